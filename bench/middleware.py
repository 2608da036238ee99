"""With BENCHMARK=true: a request sending X-Bench-Queries is told how many SQL statements it ran."""

from django.db import connection

REQUEST_HEADER = "HTTP_X_BENCH_QUERIES"
WRITES = ("INSERT", "UPDATE", "DELETE")


class QueryCountMiddleware:
    """Outermost; requests without the header pay one dictionary lookup, so load runs are not skewed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REQUEST_HEADER not in request.META:
            return self.get_response(request)
        statements: list[str] = []

        def record(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(len(statements))
        response["X-Bench-Writes"] = str(sum(sql.lstrip().upper().startswith(WRITES) for sql in statements))
        return response
