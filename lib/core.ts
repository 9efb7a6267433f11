/**
 * nestjs-activerecord/core: everything but Nest. Models, connections, transactions, the
 * coordinator, the schema manager and the backends, for a plain Node script, a worker or a
 * migration tool. Loads no @nestjs package (test/layering/nest-free-core.spec.ts proves it in a
 * process where @nestjs cannot be resolved); the root entry point (index.ts) adds the Nest module.
 */
import 'reflect-metadata';

// Connections
export { Connection } from './connection/connection';
export { ConnectionRegistry } from './registry/connection-registry';
export type { ActiveRecordOptions } from './registry/registry-options';
export type {
  ConnectionOptions,
  ConnectionSetOptions,
  CustomBackendConnectionOptions,
  NamedConnectionOptions,
} from './connection/connection-options';
export type { LoggingOption, LoggingOptions, LogLevel } from './connection/logging-options';
export { connectedTo } from './connection/connected-to';
export type { ConnectedToOptions, ConnectionRole } from './connection/connected-to';
export type { CommonConnectionOptions, PoolOptions, ReplicatedConnectionOptions } from './connection/common-options';
export type { EncryptionKey, EncryptionOptions } from './connection/encryption-options';
export type { SqliteConnectionOptions } from './backend/sqlite/options';
export type { PostgresConnectionOptions, PostgresReplicaOptions } from './backend/postgres/options';
export type { MysqlConnectionOptions, MysqlReplicaOptions, MysqlSslOptions } from './backend/mysql/options';
export type { OracleConnectionOptions } from './backend/oracle/options';
export type { MssqlConnectionOptions } from './backend/mssql/options';

// Diagnostics: diagnostics_channel names and message shapes (docs/logging.md)
export { QUERY_CHANNEL } from './connection/query-diagnostics';
export type { QueryMessage } from './connection/query-diagnostics';
export { TRANSACTION_CHANNEL } from './transaction/unit-observers';
export type { TransactionMessage } from './transaction/unit-observers';
export { COORDINATOR_CHANNEL } from './distributed/coordinator-events';

// Models and queries
export { ActiveRecord } from './model/active-record';
export { Column, Model, PrimaryKey } from './model/decorators';
export type { ColumnOptions, ModelOptions, PrimaryKeyOptions } from './model/decorators';
export { Index } from './model/index.decorator';
export type { ColumnIndexOption, IndexOptions } from './model/index-metadata';
export type { AnyModelClass, ReferenceOption } from './model/metadata';
export { Relation } from './model/relation';
export type { BatchOptions, PartialRecord, Plucked, SumResult, ToSqlOptions } from './model/relation';

// Model lifecycle: callbacks, validation, managed columns, default scope, encryption, custom types
export {
  AfterCommit,
  AfterCreate,
  AfterDestroy,
  AfterRollback,
  AfterSave,
  AfterUpdate,
  AfterValidate,
  BeforeCreate,
  BeforeDestroy,
  BeforeSave,
  BeforeUpdate,
  BeforeValidate,
} from './model/lifecycle/callbacks';
export type { CallbackDecorator, CallbackOptions, LifecycleAction } from './model/lifecycle/callbacks';
export { Validate } from './model/lifecycle/validate.decorator';
export type { RecordErrors, ValidateOptions } from './model/lifecycle/validate.decorator';
export type { ColumnRules, NumericBound } from './model/lifecycle/column-rules';
export type { EncryptedColumnOptions } from './model/lifecycle/column-extras';
export { CreatedAt, DeletedAt, UpdatedAt, Version } from './model/lifecycle/managed-columns';
export type { ManagedColumnOptions } from './model/lifecycle/managed-columns';
export type { UpdateAllOptions } from './model/lifecycle/bulk-writes';
export { DefaultScope } from './model/default-scope.decorator';
export type { DefaultScopeFunction } from './model/default-scope.decorator';
export { defineColumnType } from './model/column-type-adapter';
export type { ColumnTypeAdapter, ColumnTypeSpec } from './model/column-type-adapter';
export type { ReencryptOptions, ReencryptProgress, ReencryptReport } from './model/encryption/reencrypt';
export { escapeLike } from './model/like-pattern';
export type {
  AttributeInput,
  AttributeName,
  Attributes,
  ColumnPath,
  ColumnValue,
  KeyValue,
  ModelClass,
  Operators,
  OrderDirection,
  OrderInput,
  WhereInput,
  WhereValue,
} from './model/model-types';

// Associations, aggregates, projections, row locks
export { BelongsTo, HasMany, HasOne } from './model/associations/decorators';
export type {
  AssociationScopeFunction,
  BelongsToOptions,
  HasManyOptions,
  HasManyThroughOptions,
} from './model/associations/decorators';
export type { AssociatedModel, AssociationName, IncludeSpec } from './model/associations/association-types';
export { GroupedRelation } from './model/grouped-relation';
export type { AggregateOperators, GroupRow } from './model/grouped-relation';
export { Aggregate, Ranking, WindowFunction, avg, count, denseRank, max, min, rank, rowNumber, sum } from './model/projection';
export type { AggregateValue, Projection, ProjectionItem, ProjectionRow, WindowOptions } from './model/projection';
export type { RowLockOptions } from './model/row-lock';
export type { SubqueryValue } from './model/subquery';

// Transactions
export { Transactional } from './transaction/transactional.decorator';
export {
  currentTransaction,
  onCommit,
  onComplete,
  onRollback,
  releaseSavepoint,
  rollbackTo,
  savepoint,
  transactional,
} from './transaction/transaction-api';
export type { ConnectionTarget } from './transaction/transaction-api';
export type { Transaction } from './connection/connection';
export type { ConnectionTransactionOptions, TransactionOutcome, TransactionStatus } from './connection/transaction-options';
export type { ErrorClass, Propagation, RetryOptions, TransactionOptions } from './transaction/transaction-options';
export type { IsolationLevel, BeginOptions, SqliteBeginMode } from './backend/transaction-options';

// Cross-database transactions
export { TransactionCoordinator } from './distributed/transaction-coordinator';
export type { UnitOptions } from './distributed/transaction-coordinator';
export type { CoordinatorOptions } from './distributed/coordinator-options';
export type { CoordinatorEvent, CoordinatorListener } from './distributed/coordinator-events';
export type { RecoveryReport, InDoubtBranch, BranchReport } from './distributed/recovery';
export { defineSagaStep } from './distributed/saga/define-saga-step';
export type { SagaStep } from './distributed/saga/define-saga-step';
export type { SagaStepOptions } from './distributed/saga/saga-step';
export { SagaBuilder } from './distributed/saga/saga-builder';
export type { SagaResults } from './distributed/saga/saga-builder';
export type { BranchId, BranchOutcome, PreparedBranch, TwoPhaseParticipant } from './backend/two-phase';

// Schema and migrations
export { SchemaManager } from './schema/schema-manager';
export type { SchemaTarget } from './schema/schema-manager';
export type {
  ColumnDefault,
  ColumnDefinition,
  ForeignKeyDefinition,
  IndexDefinition,
  IndexWhere,
  IndexWhereValue,
  ReferentialAction,
  TableDefinition,
} from './schema/table-definition';
export type { ColumnSchema, DatabaseSchema, ForeignKeySchema, IndexSchema, RebuildInfo, TableSchema } from './schema/database-schema';
export type { ForeignKeyOperation, SchemaOperation } from './schema/schema-operations';
export { SchemaBuilder } from './schema/builder/schema-builder';
export { TableBuilder } from './schema/builder/table-builder';
export type { AlterColumnSpec, ColumnSpec, IndexSpec, ReferenceSpec } from './schema/builder/column-spec';
export { Migrator } from './schema/migrations/migrator';
export type { MigrateOptions, MigrationStatus, MigrationTargetOptions, RollbackOptions } from './schema/migrations/migrator';
export type { MigrationModule } from './schema/migrations/migration-files';
export type { HistoryEntry } from './schema/migrations/migration-history';
export type { MigrationsOptions } from './schema/migrations/migration-options';
export type { ConnectionReport, MigrationEvent, MigrationListener, MigrationReport } from './schema/migrations/migration-report';
export { MigrationError } from './schema/migrations/migration-error';

// Backends: the contracts a custom backend implements, and the built-in ones to extend
export { StorageBackend } from './backend/storage-backend';
export type {
  BackendCapabilities,
  BackendContext,
  BackendLogger,
  DriverSession,
  ExecuteResult,
  Row,
  RunOptions,
  StorageBackendClass,
  StreamOptions,
  AcquireOptions,
} from './backend/storage-backend';
export { Dialect } from './backend/dialect';
export type { ValueReader } from './backend/dialect';
export { DdlCompiler } from './backend/ddl-compiler';
export type { CatalogQuery, Introspector, MigrationHost, MigrationLockStrategy, SchemaSupport } from './backend/schema-support';
export { SqlCompiler } from './query/sql-compiler';
export type { ExplainPlan } from './query/sql-compiler';
export type {
  AggregateFunction,
  AggregateNode,
  CommonTableNode,
  CompoundSelectNode,
  ExpressionNode,
  JoinNode,
  RankingFunction,
  RowLockNode,
  SelectionNode,
  WithNode,
  ColumnRef,
  CompiledQuery,
  ComparisonOperator,
  ConditionNode,
  CountNode,
  DeleteNode,
  ExistsNode,
  InsertNode,
  OrderNode,
  QueryNode,
  SelectNode,
  UpdateNode,
} from './query/nodes';
export { COLUMN_TYPES } from './backend/column-types';
export type { ColumnType, JsonValue } from './backend/column-types';
export { SqliteBackend } from './backend/sqlite/backend';
export { SqliteDialect } from './backend/sqlite/dialect';
export { PostgresBackend } from './backend/postgres/backend';
export { PostgresDialect } from './backend/postgres/dialect';
export { MysqlBackend } from './backend/mysql/backend';
export { MysqlDialect } from './backend/mysql/dialect';
export { OracleBackend } from './backend/oracle/backend';
export { OracleDialect } from './backend/oracle/dialect';
export { MssqlBackend } from './backend/mssql/backend';
export { MssqlDialect } from './backend/mssql/dialect';

// Errors
export {
  ActiveRecordError,
  AssociationNotLoadedError,
  CheckConstraintError,
  ConfigurationError,
  ConnectionError,
  ConstraintError,
  DeadlockError,
  DecryptionError,
  ForeignKeyConstraintError,
  HeuristicCompletionError,
  LockTimeoutError,
  NotNullConstraintError,
  QueryError,
  RecordNotFoundError,
  SerializationError,
  StaleRecordError,
  TransactionError,
  TransientError,
  UniqueConstraintError,
  UnknownColumnError,
  ValidationError,
} from './errors';
export type { ErrorContext } from './errors';
