namespace GeoOrs.Server.Access;

/// <summary>The claims an authenticated caller carries, whether from an API key or a JWT.</summary>
internal static class GeoOrsClaims
{
    /// <summary>The API key's public prefix (or <c>jwt:</c> and the token's subject): what rate limits and audit rows name.</summary>
    public const string Key = "geoors:key";

    /// <summary>The caller's role: partner, analyst, law_enforcement or admin.</summary>
    public const string Role = "geoors:role";

    /// <summary>The agency the caller acts for.</summary>
    public const string Agency = "geoors:agency";
}
