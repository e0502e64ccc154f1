using System.CommandLine;
using GeoOrs.Data.Access;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Migrations;

namespace GeoOrs.Server.Cli;

/// <summary><c>geoors keys create|revoke|list</c>: API keys, shown once when made, hashed at rest.</summary>
internal static class KeysCommand
{
    public static Command Create() => new("keys", "API keys: shown once when made, stored only as a hash")
    {
        CreateKey(),
        Revoke(),
        List(),
    };

    private static Command CreateKey()
    {
        var role = CommandLine.Required<string>("--role", "The key's role", string.Join('|', Roles.Keyed)).AcceptOnlyFromAmong([.. Roles.Keyed]);
        var agency = CommandLine.Required<string>("--agency", "The agency the key belongs to", "NAME");
        var note = CommandLine.Optional<string>("--note", "A note kept with the key", "TEXT");
        var create = new Command("create", "Make a key and print it once") { role, agency, note };
        create.SetAction(async (parse, cancellationToken) =>
        {
            await using var dataSource = CommandLine.Open();
            await Migrator.MigrateAsync(dataSource, cancellationToken);
            await using var db = GeoOrsDbContext.Create(dataSource);
            var (r, a) = (parse.GetRequiredValue(role), parse.GetRequiredValue(agency));
            var (key, prefix) = await ApiKeys.CreateAsync(db, r, a, parse.GetValue(note), cancellationToken);
            Console.Error.WriteLine($"key {prefix} for {a} ({r}); it is shown this once and stored only as a hash:");
            Console.WriteLine(key);
            return 0;
        });
        return create;
    }

    private static Command Revoke()
    {
        var prefix = new Argument<string>("PREFIX") { Description = "The key's prefix, as keys list shows it" };
        var revoke = new Command("revoke", "Revoke a key") { prefix };
        revoke.SetAction(async (parse, cancellationToken) =>
        {
            var p = parse.GetRequiredValue(prefix);
            await using var dataSource = CommandLine.Open();
            await Migrator.MigrateAsync(dataSource, cancellationToken);
            await using var db = GeoOrsDbContext.Create(dataSource);
            if (await ApiKeys.RevokeAsync(db, p, cancellationToken))
            {
                Console.WriteLine($"revoked key {p}");
                return 0;
            }

            Console.Error.WriteLine($"geoors: no unrevoked key has the prefix '{p}'");
            return 1;
        });
        return revoke;
    }

    private static Command List()
    {
        var list = new Command("list", "List the keys, revoked ones included");
        list.SetAction(async (_, cancellationToken) =>
        {
            await using var dataSource = CommandLine.Open();
            await Migrator.MigrateAsync(dataSource, cancellationToken);
            await using var db = GeoOrsDbContext.Create(dataSource);
            foreach (var k in await ApiKeys.ListAsync(db, cancellationToken))
            {
                Console.WriteLine($"{k.Prefix}  {k.Role,-15}  {k.Agency}  created {k.CreatedAt:yyyy-MM-dd HH:mm}Z{(k.RevokedAt is { } r ? $"  revoked {r:yyyy-MM-dd HH:mm}Z" : "")}{(k.Note is null ? "" : "  " + k.Note)}");
            }

            return 0;
        });
        return list;
    }
}
