/**
 * A bound value with the SQL Server type it must be declared as. The dialect cannot name the
 * driver's type objects (dialects never load drivers), so it tags values and the backend turns
 * the tag into `request.input(name, sql.<Type>, value)`. Typing every column value, NULLs
 * included, matters on SQL Server: an untyped NULL is declared NVARCHAR, which VARBINARY columns
 * refuse, and a Date would default to DATETIME (3.33 ms steps) instead of DATETIMEOFFSET(3).
 */
export type MssqlParamType = 'NVarChar' | 'Int' | 'BigInt' | 'Float' | 'Bit' | 'DateTimeOffset' | 'VarBinary' | 'UniqueIdentifier';

export class MssqlTypedValue {
  constructor(
    readonly type: MssqlParamType,
    readonly value: unknown,
  ) {}
}
