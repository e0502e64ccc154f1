using GeoOrs.Data.Access;
using Npgsql;

namespace GeoOrs.Server.Cli;

/// <summary><c>geoors keys create|revoke|list</c>: API keys, shown once when made, hashed at rest.</summary>
internal static class KeysCommand
{
    public const string Usage = "keys create --role partner|analyst|law_enforcement|admin --agency NAME [--note TEXT] | keys revoke PREFIX | keys list";

    public static async Task<int> RunAsync(NpgsqlDataSource dataSource, string[] args)
    {
        switch (args)
        {
            case ["create", .. var options] when options.Length % 2 == 0:
                {
                    string? role = null, agency = null, note = null;
                    for (var i = 0; i < options.Length; i += 2)
                    {
                        switch (options[i])
                        {
                            case "--role": role = options[i + 1]; break;
                            case "--agency": agency = options[i + 1]; break;
                            case "--note": note = options[i + 1]; break;
                            default: return Fail($"unknown option '{options[i]}'");
                        }
                    }

                    if (role is null || agency is null)
                    {
                        return Fail("a key needs --role and --agency");
                    }

                    if (!Roles.Keyed.Contains(role))
                    {
                        return Fail($"'{role}' is not a role (roles: {string.Join(", ", Roles.Keyed)})");
                    }

                    var (key, prefix) = await ApiKeys.CreateAsync(dataSource, role, agency, note);
                    Console.Error.WriteLine($"key {prefix} for {agency} ({role}); it is shown this once and stored only as a hash:");
                    Console.WriteLine(key);
                    return 0;
                }

            case ["revoke", var prefix]:
                if (await ApiKeys.RevokeAsync(dataSource, prefix))
                {
                    Console.WriteLine($"revoked key {prefix}");
                    return 0;
                }

                Console.Error.WriteLine($"geoors: no unrevoked key has the prefix '{prefix}'");
                return 1;

            case ["list"]:
                foreach (var k in await ApiKeys.ListAsync(dataSource))
                {
                    Console.WriteLine($"{k.Prefix}  {k.Role,-15}  {k.Agency}  created {k.CreatedAt:yyyy-MM-dd HH:mm}Z{(k.RevokedAt is { } r ? $"  revoked {r:yyyy-MM-dd HH:mm}Z" : "")}{(k.Note is null ? "" : "  " + k.Note)}");
                }

                return 0;

            default:
                return Fail("usage: geoors " + Usage);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"geoors: {message}");
        return 2;
    }
}
