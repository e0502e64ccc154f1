namespace GeoOrs.Data.Tests;

/// <summary>Locates files committed to the repository, whatever directory the tests run from.</summary>
internal static class TestData
{
    /// <summary>
    /// The repository root: the first directory containing <c>GeoOrs.sln</c>, walking up from the
    /// test assembly's directory.
    /// </summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The path of a file in the repository's <c>shapefiles/</c> directory.</summary>
    /// <param name="name">The file name, e.g. <c>cb_2018_us_county_20m.shp</c>.</param>
    /// <returns>The absolute path (the file is not required to exist).</returns>
    public static string Shapefile(string name) => Path.Combine(RepoRoot, "shapefiles", name);

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GeoOrs.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"GeoOrs.sln was not found in {AppContext.BaseDirectory} or any directory above it.");
    }
}
