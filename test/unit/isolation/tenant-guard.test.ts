import fc from 'fast-check';
import {
  directoryScope,
  guardVerdict,
  indexKeysWrittenBy,
  issuerRegistryScope,
  leadingKeysOf,
  operationOf,
  platformScope,
  refusalOf,
  tenantScope,
} from '../../../functions/isolation/tenant-guard';

const TABLE = 'agent-platform';
const A = 'T#acme#AGENT';
const A2 = 'T#acme2#AGENT';
const G = 'T#globex#AGENT';

describe('operationOf', () => {
  it('maps low-level, DocumentClient and bare names to the DynamoDB operation', () => {
    expect(['GetItemCommand', 'GetCommand', 'GetItem'].map(operationOf)).toEqual(['GetItem', 'GetItem', 'GetItem']);
    expect(['TransactWriteCommand', 'TransactWriteItemsCommand'].map(operationOf)).toEqual(['TransactWriteItems', 'TransactWriteItems']);
    expect(operationOf('QueryCommand')).toBe('Query');
  });
});

describe('leadingKeysOf', () => {
  it.each([
    ['GetCommand', { TableName: TABLE, Key: { pk: A, sk: 'x' } }],
    ['GetItemCommand', { TableName: TABLE, Key: { pk: { S: A }, sk: { S: 'x' } } }],
    ['DeleteCommand', { TableName: TABLE, Key: { pk: A, sk: 'x' } }],
    ['UpdateCommand', { TableName: TABLE, Key: { pk: A, sk: 'x' }, UpdateExpression: 'SET a = :a' }],
    ['PutCommand', { TableName: TABLE, Item: { pk: A, sk: 'x', data: G } }],
    ['PutItemCommand', { TableName: TABLE, Item: { pk: { S: A }, sk: { S: 'x' } } }],
  ])('reads the partition key of the Key or Item of %s', (command, input) => {
    expect(leadingKeysOf(command, input)).toEqual([A]);
  });

  it.each([
    ['#pk = :pk', { '#pk': 'pk' }, { ':pk': A }],
    ['#pk = :pk AND begins_with(#sk, :p)', { '#pk': 'pk', '#sk': 'sk' }, { ':pk': A, ':p': 'AGENT#' }],
    ['pk = :v AND sk BETWEEN :a AND :b', {}, { ':v': A, ':a': 'a', ':b': 'b' }],
    ['(#k=:v)', { '#k': 'pk' }, { ':v': { S: A } }],
    [':v = #k', { '#k': 'pk' }, { ':v': A }],
    ['#sk = :s AND #pk = :pk', { '#pk': 'pk', '#sk': 'sk' }, { ':pk': A, ':s': 'x' }],
  ])('reads the partition key value of a Query key condition %s', (expression, names, values) => {
    expect(
      leadingKeysOf('QueryCommand', {
        TableName: TABLE,
        KeyConditionExpression: expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ).toEqual([A]);
  });

  it("reads the index's partition key for a Query on an index, not the table's", () => {
    // Prepare
    const input = {
      TableName: TABLE,
      IndexName: 'byCollection',
      KeyConditionExpression: '#c = :c AND #sk = :s',
      ExpressionAttributeNames: { '#c': 'collectionPk', '#sk': 'collectionSk' },
      ExpressionAttributeValues: { ':c': G, ':s': 'x' },
    };

    // Act
    const keys = leadingKeysOf('QueryCommand', input);
    const asIfTable = leadingKeysOf('QueryCommand', { ...input, IndexName: undefined });

    // Assess
    expect(keys).toEqual([G]);
    expect(asIfTable).toEqual([]);
  });

  it('finds no key for a Query on an unknown index, a condition on another attribute, or an expression it cannot read', () => {
    const base = { TableName: TABLE, ExpressionAttributeNames: { '#pk': 'pk' }, ExpressionAttributeValues: { ':pk': A } };
    expect(leadingKeysOf('QueryCommand', { ...base, IndexName: 'nope', KeyConditionExpression: '#pk = :pk' })).toEqual([]);
    expect(leadingKeysOf('QueryCommand', { ...base, KeyConditionExpression: 'other = :pk' })).toEqual([]);
    expect(leadingKeysOf('QueryCommand', { ...base, KeyConditionExpression: '#pk = :pk; DROP' })).toEqual(['']);
  });

  it('reads the legacy KeyConditions form', () => {
    expect(leadingKeysOf('QueryCommand', { TableName: TABLE, KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [A] } } })).toEqual([A]);
  });

  it('reads every key of BatchGetItem and BatchWriteItem', () => {
    expect(
      leadingKeysOf('BatchGetCommand', {
        RequestItems: {
          [TABLE]: {
            Keys: [
              { pk: A, sk: '1' },
              { pk: G, sk: '2' },
            ],
          },
        },
      }),
    ).toEqual([A, G]);
    expect(
      leadingKeysOf('BatchWriteItemCommand', {
        RequestItems: {
          [TABLE]: [{ PutRequest: { Item: { pk: { S: A }, sk: { S: '1' } } } }, { DeleteRequest: { Key: { pk: { S: A2 }, sk: { S: '2' } } } }],
        },
      }),
    ).toEqual([A, A2]);
  });

  it('reads every item of TransactGetItems and TransactWriteItems (Put, Update, Delete, ConditionCheck)', () => {
    expect(leadingKeysOf('TransactGetCommand', { TransactItems: [{ Get: { TableName: TABLE, Key: { pk: A, sk: '1' } } }] })).toEqual([A]);
    expect(
      leadingKeysOf('TransactWriteCommand', {
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk: A, sk: '1' } } },
          { Update: { TableName: TABLE, Key: { pk: A2, sk: '1' }, UpdateExpression: 'SET a = :a' } },
          { Delete: { TableName: TABLE, Key: { pk: G, sk: '1' } } },
          { ConditionCheck: { TableName: TABLE, Key: { pk: 'P#TENANT#acme', sk: '1' }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    ).toEqual([A, A2, G, 'P#TENANT#acme']);
  });

  it('finds no key for Scan, PartiQL or an unknown command', () => {
    expect(leadingKeysOf('ScanCommand', { TableName: TABLE })).toEqual([]);
    expect(leadingKeysOf('ExecuteStatementCommand', { Statement: `SELECT * FROM "${TABLE}" WHERE pk = '${A}'` })).toEqual([]);
    expect(leadingKeysOf('SomethingNewCommand', { Key: { pk: A } })).toEqual([]);
  });

  it('turns a missing or non-string partition key into a value no scope owns', () => {
    expect(leadingKeysOf('GetCommand', { Key: { sk: 'x' } })).toEqual(['']);
    expect(leadingKeysOf('GetItemCommand', { Key: { pk: { N: '1' } } })).toEqual(['']);
    expect(leadingKeysOf('GetCommand', { Key: { pk: 42 } })).toEqual(['']);
  });
});

describe('guardVerdict', () => {
  it('allows a request whose every key starts with the tenant prefix', () => {
    expect(guardVerdict([A, `${A}#1`, 'T#acme#TENANT'], 'acme')).toBe(true);
  });

  it('refuses the prefix trick: acme2 keys are not acme keys, and acme keys are not acme2 keys', () => {
    expect(guardVerdict([A2], 'acme')).toBe(false);
    expect(guardVerdict([A], 'acme2')).toBe(false);
    expect(guardVerdict(['T#acme'], 'acme')).toBe(false);
  });

  it('refuses a mixed key set with one key of another tenant or of the platform', () => {
    expect(guardVerdict([A, G], 'acme')).toBe(false);
    expect(guardVerdict([A, 'P#TENANT#acme'], 'acme')).toBe(false);
  });

  it('refuses a request without keys (Scan): the Null condition', () => {
    expect(guardVerdict([], 'acme')).toBe(false);
  });

  it('property: the verdict is "non-empty and every key starts with T#<tenant>#"', () => {
    const tenantArb = fc.constantFrom('acme', 'acme2', 'globex');
    const keyArb = fc.oneof(
      tenantArb.map((t) => `T#${t}#AGENT`),
      fc.string(),
      fc.constant('P#TENANT#acme'),
    );
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 5 }), tenantArb, (keys, tenant) => {
        expect(guardVerdict(keys, tenant)).toBe(keys.length > 0 && keys.every((k) => k.startsWith(`T#${tenant}#`)));
      }),
    );
  });
});

describe('index keys written', () => {
  it('reads index partition keys of Put items, also in batches and transactions', () => {
    expect(indexKeysWrittenBy('PutCommand', { Item: { pk: A, collectionPk: G } })).toEqual([G]);
    expect(indexKeysWrittenBy('PutItemCommand', { Item: { pk: { S: A }, collectionPk: { S: A } } })).toEqual([A]);
    expect(indexKeysWrittenBy('BatchWriteCommand', { RequestItems: { t: [{ PutRequest: { Item: { pk: A, collectionPk: G } } }] } })).toEqual([G]);
    expect(indexKeysWrittenBy('TransactWriteCommand', { TransactItems: [{ Put: { Item: { pk: A, collectionPk: A2 } } }] })).toEqual([A2]);
  });

  it('reads an index partition key set by an update expression, and refuses one it cannot read', () => {
    const names = { '#c': 'collectionPk', '#n': 'name' };
    expect(
      indexKeysWrittenBy('UpdateCommand', {
        UpdateExpression: 'SET #n = :n, #c = :c',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':c': G, ':n': 'x' },
      }),
    ).toEqual([G]);
    expect(
      indexKeysWrittenBy('UpdateCommand', {
        UpdateExpression: 'SET #c = if_not_exists(#c, :c)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':c': A },
      }),
    ).toEqual(['']);
    expect(indexKeysWrittenBy('UpdateCommand', { UpdateExpression: 'SET collectionPk = :c REMOVE x', ExpressionAttributeValues: { ':c': A } })).toEqual([A]);
    expect(
      indexKeysWrittenBy('UpdateCommand', { UpdateExpression: 'SET #n = :n', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':n': G } }),
    ).toEqual([]);
  });
});

describe('refusalOf', () => {
  const acme = tenantScope('acme');

  it('lets a request of the tenant pass', () => {
    expect(refusalOf('PutCommand', { TableName: TABLE, Item: { pk: A, sk: '1', collectionPk: A } }, acme, { tableName: TABLE })).toBeUndefined();
  });

  it("refuses a Put whose index partition key is another tenant's, though its table key is the tenant's", () => {
    expect(refusalOf('PutCommand', { TableName: TABLE, Item: { pk: A, sk: '1', collectionPk: G } }, acme)).toMatch(/index keys/);
  });

  it('refuses a request naming another table', () => {
    expect(refusalOf('GetCommand', { TableName: 'other', Key: { pk: A, sk: '1' } }, acme, { tableName: TABLE })).toMatch(/table/);
  });

  it('refuses a Scan', () => {
    expect(refusalOf('ScanCommand', { TableName: TABLE }, acme)).toMatch(/no partition key/);
  });

  it('the platform scope allows P# keys but the issuer registry, the issuer registry scope that alone', () => {
    const issuer = { pk: 'P#ISSUER#https%3A%2F%2Fpool', sk: 'ISSUER' };
    expect(refusalOf('PutCommand', { Item: issuer }, platformScope)).toMatch(/outside the platform scope/);
    expect(refusalOf('PutCommand', { Item: issuer }, issuerRegistryScope)).toBeUndefined();
    expect(refusalOf('PutCommand', { Item: { pk: 'P#TENANT#acme', sk: 'DIRECTORY' } }, issuerRegistryScope)).toMatch(/outside the issuer registry scope/);
    expect(refusalOf('PutCommand', { Item: { pk: 'P#ISSUERS', sk: 'X' } }, issuerRegistryScope)).toMatch(/outside/);
  });

  it('the directory scope reads P# keys, issuers included, and refuses every write', () => {
    const entry = { pk: 'P#TENANT#acme', sk: 'DIRECTORY' };
    expect(refusalOf('GetCommand', { Key: { pk: 'P#ISSUER#x', sk: 'ISSUER' } }, directoryScope)).toBeUndefined();
    expect(refusalOf('BatchGetCommand', { RequestItems: { [TABLE]: { Keys: [entry] } } }, directoryScope)).toBeUndefined();
    for (const [command, input] of [
      ['PutCommand', { Item: entry }],
      ['UpdateCommand', { Key: entry, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } }],
      ['DeleteCommand', { Key: entry }],
      ['BatchWriteCommand', { RequestItems: { [TABLE]: [{ DeleteRequest: { Key: entry } }] } }],
      ['TransactWriteCommand', { TransactItems: [{ ConditionCheck: { TableName: TABLE, Key: entry, ConditionExpression: 'attribute_exists(pk)' } }] }],
    ] as const) {
      expect({ command, refusal: refusalOf(command, input, directoryScope) }).toEqual({ command, refusal: expect.stringMatching(/only reads/) });
    }
  });

  it('the platform scope allows P# keys only', () => {
    expect(refusalOf('GetCommand', { Key: { pk: 'P#TENANT#acme', sk: 'DIRECTORY' } }, platformScope)).toBeUndefined();
    expect(refusalOf('GetCommand', { Key: { pk: A, sk: '1' } }, platformScope)).toMatch(/outside the platform scope/);
  });

  it('never puts key values in its message', () => {
    expect(refusalOf('GetCommand', { Key: { pk: G, sk: '1' } }, acme)).not.toContain('globex');
  });
});
