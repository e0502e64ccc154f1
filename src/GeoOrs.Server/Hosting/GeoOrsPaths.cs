namespace GeoOrs.Server.Hosting;

/// <summary>Finds the repository's folders (shapefiles/, tiles/) from wherever the server runs.</summary>
internal static class GeoOrsPaths
{
    /// <summary>
    /// The installation root: <c>GEOORS_ROOT</c> when set, else the first folder above the working
    /// directory or the binary that holds <c>shapefiles/</c>.
    /// </summary>
    public static string Root()
    {
        if (Environment.GetEnvironmentVariable("GEOORS_ROOT") is { Length: > 0 } root)
        {
            return root;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "shapefiles")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    public static string Shapefiles(BoundariesOptions options) =>
        options.Directory is { Length: > 0 } dir ? dir : Path.Combine(Root(), "shapefiles");
}
