import { useEffect, useMemo } from 'react';
import { FormProvider, useForm } from 'react-hook-form';
import {
  BooleanInput,
  NumberInput,
  SelectArrayInput,
  SelectInput,
  TextArrayInput,
  TextInput,
  required as requiredValidator,
  type Validator,
} from 'react-admin';
import { Alert, Box, Typography } from '@mui/material';
import { checkValue, defaultParams, type SchemaField, type SchemaMapping } from './schema-form';

function validators(field: SchemaField): Validator[] {
  const own: Validator = (value: unknown) => checkValue({ ...field, required: false }, value);
  // react-admin marks a field required (the asterisk) by its `required()` validator.
  return field.required && field.kind !== 'boolean' ? [requiredValidator(), own] : [own];
}

function SchemaInput({ field, source }: { field: SchemaField; source: string }) {
  const common = {
    source,
    label: field.label,
    helperText: field.description ?? false,
    validate: validators(field),
  } as const;
  switch (field.kind) {
    case 'string':
      return <TextInput {...common} type={field.inputType ?? 'text'} multiline={field.multiline} fullWidth />;
    case 'enum':
      return field.multiple ? (
        <SelectArrayInput {...common} choices={field.choices ?? []} />
      ) : (
        <SelectInput {...common} choices={field.choices ?? []} emptyText={field.required ? undefined : '(none)'} />
      );
    case 'number':
    case 'integer':
      return <NumberInput {...common} min={field.minimum} max={field.maximum} step={field.kind === 'integer' ? 1 : 'any'} />;
    case 'boolean':
      return <BooleanInput {...common} />;
    case 'strings':
      return <TextArrayInput {...common} helperText={field.description ?? 'Press Enter after each value'} />;
    case 'object':
      return (
        <Box component="fieldset" sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 2, mb: 2, width: '100%' }}>
          <Typography component="legend" variant="subtitle2" sx={{ px: 0.5 }}>
            {field.label}
          </Typography>
          {field.description && (
            <Typography variant="body2" sx={{ mb: 1 }}>
              {field.description}
            </Typography>
          )}
          <SchemaFields fields={field.fields ?? []} prefix={source} />
        </Box>
      );
    case 'json':
      return <TextInput {...common} multiline minRows={2} fullWidth helperText={field.description ?? 'JSON'} />;
  }
}

/** The inputs a task's parameter schema implies, below `prefix` in the form's values. */
export function SchemaFields({ fields, prefix = 'params' }: { fields: SchemaField[]; prefix?: string }) {
  return (
    <>
      {fields.map((field) => (
        <SchemaInput key={field.path} field={field} source={`${prefix}.${field.name}`} />
      ))}
    </>
  );
}

/** A working preview of the form a schema gives, in a form of its own (nothing in it is saved). */
export function SchemaPreview({ mapping }: { mapping: SchemaMapping }) {
  const defaults = useMemo(() => ({ params: defaultParams(mapping.fields) }), [mapping]);
  const form = useForm({ defaultValues: defaults, mode: 'onChange' });
  useEffect(() => form.reset(defaults), [defaults, form]);
  return (
    <Box
      role="group"
      aria-label="Preview of the run form"
      sx={{ p: 2, border: 1, borderColor: 'divider', borderRadius: 1, bgcolor: 'background.default' }}
    >
      <Typography variant="subtitle2" component="h3" gutterBottom>
        Preview: the form that starts a run
      </Typography>
      {mapping.notes.map((note) => (
        <Alert key={note} severity="info" sx={{ mb: 1 }}>
          {note}
        </Alert>
      ))}
      {mapping.fields.length ? (
        <FormProvider {...form}>
          <SchemaFields fields={mapping.fields} />
        </FormProvider>
      ) : (
        <Typography variant="body2">No parameter fields: callers send parameters as JSON.</Typography>
      )}
    </Box>
  );
}
