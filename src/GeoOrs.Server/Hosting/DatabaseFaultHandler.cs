using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// Answers a request whose database work failed because the database could not do it now — it is
/// not reachable, is starting or shutting down, has no connection left, or cancelled a statement
/// that ran past its timeout (<see cref="StatementTimeouts"/>) — with 503, <c>Retry-After</c> and a
/// problem, never 500. Any other database error stays a 500: it is a fault of the server.
/// </summary>
internal sealed class DatabaseFaultHandler(IProblemDetailsService problems, IServiceProvider services, ILogger<DatabaseFaultHandler> log) : IExceptionHandler
{
    /// <summary>Seconds a client is told to wait when the database cannot be reached.</summary>
    public const int UnavailableRetryAfterSeconds = 5;

    /// <summary>Seconds a client is told to wait after its work timed out.</summary>
    public const int TimedOutRetryAfterSeconds = 10;

    /// <summary>Seconds a client is told to wait when its request class's pool had no connection free in time.</summary>
    public const int ExhaustedRetryAfterSeconds = 2;

    /// <summary>Why database work failed, as far as the client is concerned.</summary>
    internal enum Fault
    {
        /// <summary>Not a fault of the database's availability.</summary>
        None,

        /// <summary>The database cannot be reached or cannot take the work now.</summary>
        Unavailable,

        /// <summary>A statement ran past its timeout (or the database did not answer in time).</summary>
        TimedOut,

        /// <summary>
        /// Every connection of the request class's pool was busy for the whole connection timeout
        /// (<c>Max Pool Size</c>, <c>Timeout</c> in the connection string): the database is slow or
        /// the class has more requests than connections.
        /// </summary>
        Exhausted,
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var fault = Classify(exception);
        if (fault == Fault.None || httpContext.Response.HasStarted)
        {
            return false;
        }

        if (fault == Fault.Unavailable)
        {
            ClearPools(services);
        }

        var (what, seconds, title) = fault switch
        {
            Fault.TimedOut => ("timed out", TimedOutRetryAfterSeconds, "The database timed out"),
            Fault.Exhausted => ("has no connection free", ExhaustedRetryAfterSeconds, "The database has no connection free"),
            _ => ("is unavailable", UnavailableRetryAfterSeconds, "The database is unavailable"),
        };
        log.LogWarning("{Method} {Path}: the database {What} ({Error})", httpContext.Request.Method, httpContext.Request.Path,
            what, exception.GetBaseException().Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = fault switch
                {
                    Fault.TimedOut => $"The request's database work ran longer than its statement timeout (Database:StatementTimeouts) and was cancelled; retry after {seconds} s, or ask for less.",
                    Fault.Exhausted => $"Every database connection of this kind of request was busy for the whole connection timeout ('Max Pool Size' and 'Timeout' of Database:ConnectionString); nothing was done; retry after {seconds} s.",
                    _ => $"The server cannot reach its database now; retry after {seconds} s.",
                },
            },
        });
    }

    /// <summary>
    /// Whether an exception (or one it wraps) says the database could not do the work now:
    /// PostgreSQL's connection errors (class 08), operator interventions (57P: shutting down,
    /// starting), lack of resources (class 53: too many connections), a database that is gone
    /// (3D000) and a cancelled statement (57014: the statement timeout; a client's own cancel never
    /// gets here); Npgsql's socket, stream and timeout failures, and its pool's, which has no type of
    /// its own: a <see cref="NpgsqlException"/> over a <see cref="TimeoutException"/> whose message
    /// says the pool is exhausted.
    /// </summary>
    /// <summary>
    /// Drops the idle connections of every pool of this server: the background one, each request
    /// class's, and those Npgsql keeps by connection string (the job storage's). A database that went away broke them all, but a pool finds that out only by handing
    /// one out: without this, once the database is back, each class would still answer 503 to as
    /// many requests as it had idle connections, however long after. Connections in use are closed
    /// when they are returned.
    /// </summary>
    internal static void ClearPools(IServiceProvider services)
    {
        services.GetRequiredService<NpgsqlDataSource>().Clear();
        foreach (var requestClass in RequestClass.All)
        {
            services.GetRequiredKeyedService<NpgsqlDataSource>(requestClass).Clear();
        }

        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>How Npgsql begins the message of a pool that had no connection free within <c>Timeout</c>.</summary>
    internal const string PoolExhausted = "The connection pool has been exhausted";

    internal static Fault Classify(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Select(Classify).FirstOrDefault(f => f != Fault.None);
                case PostgresException p when p.SqlState == PostgresErrorCodes.QueryCanceled:
                    return Fault.TimedOut;
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
                                              || p.SqlState.StartsWith("53", StringComparison.Ordinal) || p.SqlState == PostgresErrorCodes.InvalidCatalogName:
                    return Fault.Unavailable;
                case PostgresException:
                    return Fault.None;
                case NpgsqlException { InnerException: TimeoutException } n when n.Message.StartsWith(PoolExhausted, StringComparison.Ordinal):
                    return Fault.Exhausted;
                case NpgsqlException { InnerException: TimeoutException }:
                    return Fault.TimedOut;
                case NpgsqlException { InnerException: SocketException or IOException or EndOfStreamException }:
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                    return Fault.Unavailable;
            }
        }

        return Fault.None;
    }
}
