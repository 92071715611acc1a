import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { AdminContext, Form } from 'react-admin';
import { checkSchemaText, checkValue, defaultParams, formValuesToParams, schemaToFields } from './schema-form';
import { SchemaFields } from './SchemaFields';

const FORECAST = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    sensor_id: { type: 'string', title: 'Sensor', description: 'A traffic sensor', minLength: 3, pattern: '^[A-Z]' },
    horizon_minutes: { type: 'integer', minimum: 5, maximum: 240, default: 30 },
    threshold: { type: ['number', 'null'], exclusiveMinimum: 0 },
    model: { enum: ['lstm', 'arima'], default: 'lstm' },
    notify: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    days: { type: 'array', items: { enum: ['mon', 'tue'] } },
    window: { type: 'object', properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string' } }, required: ['from'] },
    extra: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    anything: {},
  },
  required: ['sensor_id', 'window'],
};

describe('schema → form mapping', () => {
  it('gives one field per property, of the kind its type says, with its constraints and whether it is required', () => {
    const { fields, notes } = schemaToFields(FORECAST);
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ['sensor_id', 'string'],
      ['horizon_minutes', 'integer'],
      ['threshold', 'number'],
      ['model', 'enum'],
      ['notify', 'boolean'],
      ['tags', 'strings'],
      ['days', 'enum'],
      ['window', 'object'],
      ['extra', 'json'],
      ['anything', 'json'],
    ]);
    expect(byName['sensor_id']).toMatchObject({
      label: 'Sensor',
      description: 'A traffic sensor',
      required: true,
      minLength: 3,
      pattern: '^[A-Z]',
    });
    expect(byName['horizon_minutes']).toMatchObject({ required: false, minimum: 5, maximum: 240, defaultValue: 30 });
    expect(byName['threshold']).toMatchObject({ exclusiveMinimum: 0 });
    expect(byName['model']!.choices).toEqual([
      { id: 'lstm', name: 'lstm' },
      { id: 'arima', name: 'arima' },
    ]);
    expect(byName['days']).toMatchObject({ multiple: true });
    expect(byName['window']!.fields!.map((f) => [f.path, f.required, f.inputType])).toEqual([
      ['params.window.from', true, 'datetime-local'],
      ['params.window.to', false, undefined],
    ]);
    expect(notes).toEqual(['params.extra: oneOf is entered as JSON']);
  });

  it('has no fields for no schema, and a note for a schema without properties', () => {
    expect(schemaToFields(null)).toEqual({ fields: [], notes: [] });
    expect(schemaToFields({ type: 'object' })).toEqual({
      fields: [],
      notes: ['the schema has no properties: parameters are entered as JSON'],
    });
  });

  it('starts the form with the schema’s defaults', () => {
    expect(defaultParams(schemaToFields(FORECAST).fields)).toEqual({ horizon_minutes: 30, model: 'lstm' });
  });

  it('checks values as the schema would, with react-admin’s wording', () => {
    const byName = Object.fromEntries(schemaToFields(FORECAST).fields.map((f) => [f.name, f]));
    expect(checkValue(byName['sensor_id']!, '')).toBe('Required');
    expect(checkValue(byName['sensor_id']!, 'AB')).toBe('Must be 3 characters at least');
    expect(checkValue(byName['sensor_id']!, 'abc')).toBe('Must match ^[A-Z]');
    expect(checkValue(byName['sensor_id']!, 'ABC')).toBeUndefined();
    expect(checkValue(byName['horizon_minutes']!, 2)).toBe('Must be at least 5');
    expect(checkValue(byName['horizon_minutes']!, 7.5)).toBe('Must be a whole number');
    expect(checkValue(byName['horizon_minutes']!, 300)).toBe('Must be 240 or less');
    expect(checkValue(byName['horizon_minutes']!, undefined)).toBeUndefined();
    expect(checkValue(byName['threshold']!, 0)).toBe('Must be more than 0');
    expect(checkValue(byName['extra']!, '{oops')).toBe('Must be valid JSON');
    expect(checkValue(byName['notify']!, undefined)).toBeUndefined();
  });

  it('turns the form’s values into the run’s params: empty optional fields out, numbers and JSON parsed', () => {
    const { fields } = schemaToFields(FORECAST);
    expect(
      formValuesToParams(fields, {
        sensor_id: 'FI-1',
        horizon_minutes: '45',
        threshold: '',
        model: 'arima',
        notify: false,
        tags: ['a', ''],
        window: { from: '2026-01-01T10:00', to: '' },
        extra: '{"k": [1, 2]}',
      }),
    ).toEqual({
      sensor_id: 'FI-1',
      horizon_minutes: 45,
      model: 'arima',
      notify: false,
      tags: ['a'],
      window: { from: '2026-01-01T10:00' },
      extra: { k: [1, 2] },
    });
  });

  it('checks a schema while it is typed', () => {
    expect(checkSchemaText('')).toEqual({ errors: [] });
    expect(checkSchemaText('{"type": "object",').errors[0]).toMatch(/^not valid JSON/);
    expect(checkSchemaText('[]').errors).toEqual(['the schema must be a JSON object']);
    expect(checkSchemaText('{"type": "array"}').errors).toEqual(['the parameters are an object: "type" must be "object"']);
    expect(
      checkSchemaText(
        JSON.stringify({
          type: 'object',
          properties: { a: { type: 'str' }, b: { type: 'integer', minimum: 5, maximum: 1 }, c: { pattern: '(' } },
          required: ['d'],
        }),
      ).errors,
    ).toEqual([
      'a: unknown type "str"',
      'b: minimum is above maximum',
      'c: pattern is not a valid regular expression',
      '(root): "d" is required but has no property',
    ]);
    expect(checkSchemaText(JSON.stringify(FORECAST))).toEqual({ schema: FORECAST, errors: [] });
  });
});

describe('the generated form', () => {
  it('renders labelled inputs for the schema and refuses a value the schema refuses', async () => {
    const { fields } = schemaToFields({
      type: 'object',
      properties: { sensor_id: { type: 'string', title: 'Sensor', minLength: 3 }, horizon_minutes: { type: 'integer', minimum: 5 } },
      required: ['sensor_id'],
    });
    const submitted: unknown[] = [];
    render(
      <AdminContext>
        <Form onSubmit={(values: unknown) => void submitted.push(values)} mode="onSubmit">
          <SchemaFields fields={fields} />
          <button type="submit">Start</button>
        </Form>
      </AdminContext>,
    );
    const sensor = await screen.findByLabelText(/Sensor/);
    expect(screen.getByLabelText(/horizon_minutes/)).toHaveProperty('type', 'number');
    fireEvent.change(sensor, { target: { value: 'FI' } });
    fireEvent.click(screen.getByText('Start'));
    expect(await screen.findByText('Must be 3 characters at least')).toBeTruthy();
    expect(submitted).toEqual([]);
    fireEvent.change(sensor, { target: { value: 'FI-METRO-12' } });
    fireEvent.click(screen.getByText('Start'));
    await waitFor(() => expect(submitted).toEqual([{ params: { sensor_id: 'FI-METRO-12' } }]));
  });
});
