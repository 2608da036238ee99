"""Tests of the DRF adapter and the API as a whole: routes, conventions, filters, query counts, oracles."""
