import { scanSchemaText } from './schema-text';

describe('scanSchemaText', () => {
  it('finds Unsupported fields and @relation map names, which the DMMF leaves out', () => {
    const facts = scanSchemaText(`
model Doc {
  id      String @id
  search  Unsupported("tsvector")? // see "the migration" // twice
  embed   Unsupported("vector(3)") @map("embedding")
  ownerId String
  owner   User   @relation(fields: [ownerId], references: [id], map: "Doc_owner_fk")
  // legacy  Unsupported("money")
  @@index([search], type: Gin)
}
`);
    expect(facts.unsupported).toEqual([
      { model: 'Doc', field: 'search', column: 'search', type: 'tsvector', optional: true },
      { model: 'Doc', field: 'embed', column: 'embedding', type: 'vector(3)', optional: false },
    ]);
    expect([...facts.relationMaps]).toEqual([['Doc.owner', 'Doc_owner_fk']]);
  });
});
