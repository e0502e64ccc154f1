using System.Security.Cryptography;
using System.Text;
using GeoOrs.Data.Entities;
using GeoOrs.Data.Access;
using GeoOrs.Tests;

namespace GeoOrs.Data.Tests.Access;

public class ApiKeysTests
{
    [Fact]
    public async Task A_key_finds_its_role_and_agency_until_revoked_and_only_its_hash_is_stored()
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var db = GeoOrsDbContext.Create(dataSource);
        var agency = "keys-test-" + Guid.NewGuid().ToString("N")[..8];
        var (key, prefix) = await ApiKeys.CreateAsync(db, "analyst", agency, "test");

        Assert.Matches("^gok_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal(("analyst", agency), await ApiKeys.FindAsync(db, key));

        // Nothing in the table is the key or any part of its secret.
        await using (var command = dataSource.CreateCommand("SELECT prefix, sha256, role, agency, coalesce(note, '') FROM api_keys WHERE prefix = $1"))
        {
            command.Parameters.AddWithValue(prefix);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            var secret = key["gok_00000000_".Length..]; // the secret itself may hold '_'
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var text = reader.GetValue(i) is byte[] bytes ? Convert.ToBase64String(bytes) : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!;
                Assert.DoesNotContain(secret[..12], text, StringComparison.Ordinal);
            }

            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), (byte[])reader.GetValue(1));
        }

        Assert.Contains(await ApiKeys.ListAsync(db), k => k.Prefix == prefix && k.RevokedAt is null);
        Assert.True(await ApiKeys.RevokeAsync(db, prefix));
        Assert.False(await ApiKeys.RevokeAsync(db, prefix)); // once
        Assert.Null(await ApiKeys.FindAsync(db, key));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("gok_")]
    [InlineData("gok_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer gok_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("' OR 1=1 --")]
    public async Task Forged_or_malformed_keys_find_nothing(string? key)
    {
        await using var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync());
        Assert.Null(await ApiKeys.FindAsync(db, key));
    }

    [Fact]
    public async Task Keys_need_a_known_role_and_an_agency()
    {
        await using var db = GeoOrsDbContext.Create(await PostGis.DataSourceAsync());
        await Assert.ThrowsAsync<ArgumentException>(() => ApiKeys.CreateAsync(db, "public", "a"));
        await Assert.ThrowsAsync<ArgumentException>(() => ApiKeys.CreateAsync(db, "superuser", "a"));
        await Assert.ThrowsAsync<ArgumentException>(() => ApiKeys.CreateAsync(db, "analyst", " "));
    }
}
