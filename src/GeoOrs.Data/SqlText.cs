using System.Collections.Concurrent;
using System.Reflection;

namespace GeoOrs.Data;

/// <summary>
/// The SQL the server runs lives in named <c>.sql</c> files under <c>Sql/</c> and <c>Migrations/</c>,
/// embedded in this assembly, so a reader finds every query in one place.
/// </summary>
public static class SqlText
{
    private static readonly Assembly Assembly = typeof(SqlText).Assembly;
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary>The text of <c>Sql/<paramref name="name"/>.sql</c>.</summary>
    /// <param name="name">The file name without its extension.</param>
    /// <returns>The SQL.</returns>
    public static string Get(string name) =>
        Cache.GetOrAdd(name, static n => Resource($"GeoOrs.Data.Sql.{n}.sql"));

    internal static string Resource(string resourceName)
    {
        using var stream = Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"embedded SQL '{resourceName}' is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static IEnumerable<string> ResourceNames(string prefix) =>
        Assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal);
}
