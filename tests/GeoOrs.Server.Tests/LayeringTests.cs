using System.Reflection;
using System.Reflection.Emit;

namespace GeoOrs.Server.Tests;

/// <summary>
/// The server holds no SQL: every statement and every query of the entity model lives in GeoOrs.Data
/// (CONTRIBUTING.md). The test reads the IL of every method of the server's assembly, compiler-made
/// ones (lambdas, async state machines) included, and fails on each call that creates a database
/// command, a batch or a COPY, or that queries or saves through the <c>DbContext</c>.
/// </summary>
public class LayeringTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Why a called member counts as SQL in the server, or null when it does not.</summary>
    private static string? Forbidden(MethodBase called)
    {
        var type = called.DeclaringType;
        if (type is null)
        {
            return null;
        }

        var ns = type.Namespace ?? "";
        var name = called.Name;
        if (ns.StartsWith("Npgsql", StringComparison.Ordinal))
        {
            if (called.IsConstructor && type.Name is "NpgsqlCommand" or "NpgsqlBatch" or "NpgsqlBatchCommand")
            {
                return "creates a command";
            }

            if (name is "CreateCommand" or "CreateBatch" || name.StartsWith("BeginBinary", StringComparison.Ordinal)
                || name.StartsWith("BeginText", StringComparison.Ordinal) || name.StartsWith("BeginRawBinaryCopy", StringComparison.Ordinal))
            {
                return "creates a command or a COPY";
            }
        }

        if (ns.StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal) && (name == "CreateCommand" || (called.IsConstructor && type.Name == "SqliteCommand")))
        {
            return "creates an SQLite command";
        }

        if (ns.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal))
        {
            if (type.Name is "EntityFrameworkQueryableExtensions" or "RelationalQueryableExtensions" or "RelationalDatabaseFacadeExtensions"
                || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Microsoft.EntityFrameworkCore.DbSet<>)))
            {
                return "queries the entity model";
            }

            if (typeof(Microsoft.EntityFrameworkCore.DbContext).IsAssignableFrom(type) && name is "SaveChanges" or "SaveChangesAsync" or "Set" or "Add" or "Remove" or "Update" or "get_Database")
            {
                return "writes through the entity model";
            }
        }

        if (type.FullName is "System.Linq.Queryable")
        {
            return "queries the entity model (IQueryable)";
        }

        // The context's own sets (GeoOrsDbContext.ApiKeys and the like).
        if (typeof(Microsoft.EntityFrameworkCore.DbContext).IsAssignableFrom(type) && called is MethodInfo { ReturnType: { IsGenericType: true } returns }
            && returns.GetGenericTypeDefinition() == typeof(Microsoft.EntityFrameworkCore.DbSet<>))
        {
            return "reads a set of the entity model";
        }

        return null;
    }

    private static IEnumerable<MethodBase> Calls(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var module = method.Module;
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        Type[]? methodArguments = method is MethodInfo { IsGenericMethod: true } m ? m.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var code = OpCodesByValue[value];
            var size = code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
            if (code.OperandType == OperandType.InlineMethod)
            {
                MethodBase? called = null;
                try
                {
                    called = module.ResolveMethod(BitConverter.ToInt32(il, i), typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    // a member of a generic context this method does not have: not one of ours to judge
                }

                if (called is not null)
                {
                    yield return called;
                }
            }

            i += size;
        }
    }

    private static IEnumerable<MethodBase> MethodsOf(Assembly assembly) => assembly.GetTypes().SelectMany(t =>
        t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Cast<MethodBase>()
            .Concat(t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)));

    [Fact]
    public void The_server_creates_no_database_command_and_queries_no_DbContext()
    {
        var server = typeof(AccessRules).Assembly;
        var methods = MethodsOf(server).ToList();
        var calls = methods.SelectMany(m => Calls(m).Select(c => (Caller: m, Called: c))).ToList();
        Assert.True(calls.Count > 5000, $"{calls.Count} calls read: the IL reader reads too little");

        var offences = calls
            .Select(c => (c.Caller, c.Called, Why: Forbidden(c.Called)))
            .Where(c => c.Why is not null)
            .Select(c => $"{c.Caller.DeclaringType?.FullName}.{c.Caller.Name} {c.Why}: {c.Called.DeclaringType?.Name}.{c.Called.Name}")
            .Distinct()
            .ToList();
        Assert.True(offences.Count == 0, "SQL in the server (move it to GeoOrs.Data):\n" + string.Join('\n', offences));
    }

    [Fact]
    public void The_reader_finds_commands_and_queries_where_there_are_some()
    {
        // The same reader over GeoOrs.Data, where the SQL lives, must find each kind it looks for.
        var found = MethodsOf(typeof(GeoOrs.Data.GeoOrsDataSource).Assembly).SelectMany(Calls).Select(Forbidden).OfType<string>().ToHashSet();
        Assert.Contains("creates a command", found);
        Assert.Contains("creates a command or a COPY", found);
        Assert.Contains("creates an SQLite command", found);
        Assert.Contains("queries the entity model", found);
        Assert.Contains("reads a set of the entity model", found);
    }
}
