"""Running the same request from several threads at once, each on its own database connection."""

import threading

from django.db import connections


def run_together(functions, timeout: float = 60) -> list:
    """Call every function in its own thread, released together; return their results (or raised errors) in order.

    Each thread gets its own database connections (Django's are per thread) and closes them
    when done, so the test database can be dropped afterwards.
    """
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout)
            results[index] = function()
        except BaseException as error:  # reported to the test, which decides
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, function)) for index, function in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results
