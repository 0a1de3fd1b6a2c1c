/** Emits the TypeScript interfaces of a message and its structs, and the defaults of struct fields. */
import { type CodeBuilder, docComment, functionSignature } from './code-layout.js';
import { defaultExpression, fieldTypeExpression, isDefaultCondition } from './field-types.js';
import type { FieldSpec, MessageSpec, StructSpec } from './model.js';
import { covers, formatVersions } from './versions.js';

function fieldFacts(field: FieldSpec, where: string, showDefault: boolean): string {
  const facts = [`versions ${formatVersions(field.versions)}`];
  if (field.nullableVersions !== null) facts.push(`nullable ${formatVersions(field.nullableVersions)}`);
  if (field.tag !== null) facts.push(`tag ${field.tag} in ${formatVersions(field.taggedVersions)}`);
  if (field.flexibleVersions !== undefined) facts.push(`flexible ${formatVersions(field.flexibleVersions)}`);
  if (showDefault) facts.push(`default ${defaultExpression(field, where)}`);
  if (field.ignorable) facts.push('ignorable');
  return facts.join(', ');
}

function messageFacts(message: MessageSpec): string {
  const facts = [`versions ${formatVersions(message.validVersions)}`];
  facts.push(`flexible ${formatVersions(message.flexibleVersions)}`);
  if (message.apiKey !== null) facts.unshift(`apiKey ${message.apiKey}`);
  return facts.join(', ');
}

export function emitInterface(code: CodeBuilder, message: MessageSpec, struct: StructSpec): void {
  const isRoot = struct === message.root;
  const versions = isRoot ? message.validVersions : struct.versions;
  const summary = isRoot
    ? `${message.name} (${message.kind}; ${messageFacts(message)}).`
    : `${struct.specName} of ${message.name} (in versions ${formatVersions(struct.versions)}).`;
  code.line(docComment(summary, 0));
  code.block(`export interface ${struct.typeName} {`, (body) => {
    for (const field of struct.fields) {
      const where = `${message.file} ${struct.specName}.${field.name}`;
      const about = field.about === undefined ? '' : `${field.about.trim()} `;
      // The default matters where a version lacks the field or holds it in the tagged section.
      const showDefault =
        field.defaultText !== undefined || field.tag !== null || !covers(field.versions, versions);
      body.line(docComment(`${about}(${fieldFacts(field, where, showDefault)})`, 2));
      body.line(`${field.property}: ${fieldTypeExpression(field)};`);
    }
  });
}

/** `defaultX()` and `isDefaultX(value)` for a struct used as a (non-array) field. */
export function emitStructDefaults(code: CodeBuilder, message: MessageSpec, struct: StructSpec): void {
  const where = (field: FieldSpec): string => `${message.file} ${struct.specName}.${field.name}`;
  code.line(docComment(`A ${struct.typeName} holding the default of every field.`, 0));
  code.block(functionSignature(true, `default${struct.typeName}`, [], struct.typeName), (body) => {
    body.block(
      'return {',
      (literal) => {
        for (const field of struct.fields)
          literal.line(`${field.property}: ${defaultExpression(field, where(field))},`);
      },
      '};',
    );
  });
  code.line();
  code.line(docComment(`Whether every field of a ${struct.typeName} holds its default.`, 0));
  code.block(
    functionSignature(true, `isDefault${struct.typeName}`, [`value: ${struct.typeName}`], 'boolean'),
    (body) => {
      const conditions = struct.fields.map((field) =>
        isDefaultCondition(field, `value.${field.property}`, where(field)),
      );
      if (conditions.length === 0) {
        body.line('return true;');
        return;
      }
      const wrapped = conditions.map((condition) =>
        condition.includes('||') ? `(${condition})` : condition,
      );
      const flat = `return ${wrapped.join(' && ')};`;
      if (flat.length + 2 <= 110) body.line(flat);
      else body.line(`return (\n  ${wrapped.join(' &&\n  ')}\n);`);
    },
  );
}
