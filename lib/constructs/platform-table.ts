import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../functions/data/table.schema';

export interface PlatformTableProps {
  /**
   * What happens to the table when it leaves the stack. The table holds every tenant's data of the region.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days of point-in-time recovery (1-35).
   * @default 35
   */
  readonly pointInTimeRecoveryDays?: number;
}

/** An index of the table and the names of its key attributes. */
export interface PlatformTableIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** What other constructs need of the table: its name and the ARNs a data policy is written for. */
export interface IPlatformTable {
  readonly table: dynamodb.ITableV2;
  readonly tableName: string;
  readonly tableArn: string;
  /** One ARN per global secondary index. */
  readonly indexArns: readonly string[];
}

/**
 * The region's single table: every tenant's items under `T#<tenantId>#…`, platform items under `P#…`.
 * On demand, point-in-time recovery, TTL, a stream of new and old images, deletion protection, retained on removal.
 * All attribute and index names come from TABLE_SCHEMA, shared with the runtime code.
 */
export class PlatformTable extends Construct implements IPlatformTable {
  readonly table: dynamodb.TableV2;
  readonly partitionKeyName: string = TABLE_SCHEMA.partitionKey;
  readonly sortKeyName: string = TABLE_SCHEMA.sortKey;
  readonly ttlAttributeName: string = TABLE_SCHEMA.ttlAttribute;
  /** The global secondary indexes, by their name in TABLE_SCHEMA. */
  readonly indexes: Readonly<Record<keyof typeof TABLE_SCHEMA.indexes, PlatformTableIndex>> = TABLE_SCHEMA.indexes;

  constructor(scope: Construct, id: string, props: PlatformTableProps = {}) {
    super(scope, id);
    const recoveryDays = props.pointInTimeRecoveryDays ?? 35;
    if (!Number.isInteger(recoveryDays) || recoveryDays < 1 || recoveryDays > 35) {
      throw new Error(`pointInTimeRecoveryDays must be an integer from 1 to 35, got ${recoveryDays}`);
    }

    const string = dynamodb.AttributeType.STRING;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: this.partitionKeyName, type: string },
      sortKey: { name: this.sortKeyName, type: string },
      globalSecondaryIndexes: Object.values(this.indexes).map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: string },
        sortKey: { name: index.sortKey, type: string },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: this.ttlAttributeName,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: recoveryDays },
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /** The table's ARN. */
  get tableArn(): string {
    return this.table.tableArn;
  }

  /** The table's name, given to functions as TABLE_NAME. */
  get tableName(): string {
    return this.table.tableName;
  }

  /** The ARNs of the table's indexes, one per index (no wildcard). */
  get indexArns(): string[] {
    return Object.values(this.indexes).map((index) => `${this.table.tableArn}/index/${index.indexName}`);
  }
}
