namespace GeoOrs.Server;

/// <summary>
/// The claims an authenticated caller carries on <see cref="HttpContext.User"/>: the authentication
/// sets them from the API key, and the rest of the server (the rate limiter, the endpoints) reads them.
/// </summary>
internal static class GeoOrsClaims
{
    /// <summary>The API key's public prefix (never the secret): who is calling, for limits and logs.</summary>
    public const string Key = "geoors:key";

    /// <summary>The key's role: <c>partner</c>, <c>analyst</c>, <c>law_enforcement</c> or <c>admin</c>.</summary>
    public const string Role = "geoors:role";

    /// <summary>The agency the key was made for.</summary>
    public const string Agency = "geoors:agency";
}
