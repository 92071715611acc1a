import { useDataProvider } from 'react-admin';
import { useQuery } from '@tanstack/react-query';
import type { OpenaiModel } from '../api/types';
import type { ConsoleDataProvider } from '../data/data-provider';

/**
 * The LLM endpoint at this machine id and name, if it is one the caller may use: an endpoint of
 * an `openai` machine, as `GET /openai/v1/models` lists them (read again each time a screen asks:
 * an endpoint registered a moment ago is there).
 */
export function useLlmModel(machineId: string | undefined, endpoint: string | undefined): OpenaiModel | undefined {
  const dataProvider = useDataProvider<ConsoleDataProvider>();
  const { data } = useQuery({
    queryKey: ['openai-models'],
    queryFn: ({ signal }) => dataProvider.openaiModels(signal),
    retry: false,
  });
  return machineId && endpoint ? data?.find((m) => m.machine_id === machineId && m.endpoint === endpoint) : undefined;
}
