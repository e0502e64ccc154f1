using GeoOrs.Data.Entities;
using GeoOrs.Data.Access;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Access;

public class SharingRulesTests
{
    private static async Task<long> VersionAsync(Npgsql.NpgsqlDataSource dataSource, string kind)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM data_versions WHERE kind = $1");
        command.Parameters.AddWithValue(kind);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_restriction_hides_an_agency_from_all_but_itself_its_partners_and_admins_and_bumps_the_event_versions()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var db = GeoOrsDbContext.Create(dataSource);
        var owner = "sharing-test-" + Guid.NewGuid().ToString("N")[..8];
        var before = (await VersionAsync(dataSource, "overdoses"), await VersionAsync(dataSource, "seizures"));
        await SharingRules.RestrictAsync(db, owner, ["County HD", " ", "County HD"]);
        Assert.True(await VersionAsync(dataSource, "overdoses") > before.Item1);
        Assert.True(await VersionAsync(dataSource, "seizures") > before.Item2);

        var rules = await SharingRules.LoadAsync(db);
        Assert.Equal([owner, "County HD"], rules.Restricted[owner].Order(StringComparer.Ordinal).Reverse());
        Assert.Contains(owner, rules.HiddenFrom(Role.Public, null));
        Assert.Contains(owner, rules.HiddenFrom(Role.Analyst, "Another PD"));
        Assert.Contains(owner, rules.HiddenFrom(Role.LawEnforcement, "Another PD"));
        Assert.DoesNotContain(owner, rules.HiddenFrom(Role.Partner, "County HD"));
        Assert.DoesNotContain(owner, rules.HiddenFrom(Role.Analyst, owner));
        Assert.Empty(rules.HiddenFrom(Role.Admin, "Another PD"));

        await SharingRules.OpenAsync(db, owner);
        Assert.DoesNotContain(owner, (await SharingRules.LoadAsync(db)).HiddenFrom(Role.Public, null));
    }

    [Fact]
    public async Task Audit_entries_are_listed_newest_first_by_key_and_agency()
    {
        var dataSource = await PostGis.DataSourceAsync();
        var agency = "audit-test-" + Guid.NewGuid().ToString("N")[..8];
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        await AuditLog.WriteManyAsync(dataSource, [new AuditEntry("abcd0001", Role.Partner, agency, "GET /tiles/overdoses/12/1/2.mvt", null, [-1, -2, 1, 2], null, 7)]);
        await AuditLog.WriteManyAsync(dataSource, [new AuditEntry("abcd0001", Role.Partner, agency, "GET /ogc/collections/overdose-events/items", "?limit=2", null, [5, 6], 2)]);
        await AuditLog.WriteManyAsync(dataSource, [new AuditEntry("abcd0001", Role.Partner, agency, "GET big", null, null, [.. Enumerable.Range(0, AuditLog.MaxIds + 1).Select(i => (long)i)], AuditLog.MaxIds + 1)]);

        var rows = await AuditLog.ListAsync(dataSource, since, null, agency, 10);
        Assert.Equal(["GET big", "GET /ogc/collections/overdose-events/items", "GET /tiles/overdoses/12/1/2.mvt"], rows.Select(r => r.Endpoint));
        Assert.Null(rows[0].Ids); // too many ids: only the count is kept
        Assert.Equal([5L, 6L], rows[1].Ids!);
        Assert.Equal([-1.0, -2, 1, 2], rows[2].Bbox!);
        Assert.All(rows, r => Assert.Equal(Role.Partner, r.Role));
        Assert.Empty(await AuditLog.ListAsync(dataSource, DateTimeOffset.UtcNow.AddMinutes(1), null, agency, 10));
    }
}
