import { get_dmmf } from '@prisma/prisma-schema-wasm';

// The slice of Prisma's DMMF that findDrift reads (the wasm build returns it as JSON text).

type DmmfScalarDefault = string | number | boolean;
/** `@default(...)`: a function such as now() or uuid(4), a literal, or a list of literals. */
export type DmmfDefault = { name: string; args: unknown[] } | DmmfScalarDefault | DmmfScalarDefault[];

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: DmmfDefault | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

export interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName?: string | null }[];
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc'; operatorClass?: string }[];
}

export interface DmmfDatamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

/** Parses and validates schema text with Prisma's own parser; a schema error reads as Prisma prints it. */
export function readDatamodel(schemaText: string): DmmfDatamodel {
  try {
    const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: schemaText }))) as {
      datamodel: DmmfDatamodel;
    };
    return dmmf.datamodel;
  } catch (error) {
    throw new Error(`schema.prisma does not validate:\n${prismaErrorText(error)}`);
  }
}

// The wasm build throws JSON `{ error_code, message }` with ANSI colours in the message.
function prismaErrorText(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  try {
    const parsed = JSON.parse(raw) as { message?: string };
    // eslint-disable-next-line no-control-regex
    return (parsed.message ?? raw).replace(/\u001b\[[0-9;]*m/g, '');
  } catch {
    return raw;
  }
}
