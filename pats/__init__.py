"""The PAT lifecycle dialect: `/{organization}/_apis/...`, a wire format over the token services."""
