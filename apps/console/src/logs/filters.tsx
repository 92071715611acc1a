import { DateTimeInput, SelectInput } from 'react-admin';

export const RANGE_CHOICES = [
  { id: '1h', name: 'Last hour' },
  { id: '24h', name: 'Last 24 hours' },
  { id: '7d', name: 'Last 7 days' },
  { id: '30d', name: 'Last 30 days' },
];

/** The period of a log: a rolling window, or from/until dates in the browser's time zone. */
export function periodFilters() {
  return [
    <SelectInput key="range" source="range" label="Period" choices={RANGE_CHOICES} emptyText="Any time" alwaysOn />,
    <DateTimeInput key="since" source="since" label="From" />,
    <DateTimeInput key="until" source="until" label="Until" />,
  ];
}
