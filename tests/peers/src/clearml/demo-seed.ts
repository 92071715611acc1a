import { Seed, SeedTask } from './types';

/** Fixed ids so that demo scripts and docs can refer to them. */
export const DEMO_IDS = {
  project: 'c0ffee00c0ffee00c0ffee00c0ffee01',
  queueDefault: 'c0ffee00c0ffee00c0ffee00c0ffee02',
  queueServices: 'c0ffee00c0ffee00c0ffee00c0ffee03',
  templateTask: 'c0ffee00c0ffee00c0ffee00c0ffee04',
  failingTemplateTask: 'c0ffee00c0ffee00c0ffee00c0ffee05',
};

/** Small demo installation: a "Snap4City" project, queues default/services and template tasks. */
export const DEMO_SEED: Seed = {
  projects: [{ id: DEMO_IDS.project, name: 'Snap4City', description: 'Smart-city models run through ClearGate' }],
  queues: [
    { id: DEMO_IDS.queueDefault, name: 'default', default: true },
    { id: DEMO_IDS.queueServices, name: 'services' },
  ],
  tasks: [
    {
      id: DEMO_IDS.templateTask,
      name: 'Traffic flow forecast (template)',
      type: 'training',
      project: DEMO_IDS.project,
      status: 'completed',
      comment: 'Template task cloned by ClearGate for every run',
      tags: ['template'],
      system_tags: [],
      hyperparams: {
        General: {
          sensor_id: { value: 'METRO-001', type: 'str', description: 'Traffic sensor to forecast' },
          horizon_minutes: { value: '60', type: 'int', description: 'Forecast horizon' },
          model: { value: 'lstm', type: 'str', description: 'Model family' },
        },
      },
      container: {
        image: 'snap4city/traffic-forecast:1.4',
        arguments: '--ipc=host',
        setup_shell_script: '',
      },
      script: {
        repository: 'https://github.com/snap4city/traffic-forecast.git',
        branch: 'main',
        entry_point: 'train.py',
        working_dir: '.',
      },
      last_iteration: 20,
      log: ['Loading sensor data\nTraining LSTM model', 'Forecast saved to output/forecast.json'],
    },
    {
      id: DEMO_IDS.failingTemplateTask,
      name: 'Air quality anomaly detector (template)',
      type: 'data_processing',
      project: DEMO_IDS.project,
      status: 'completed',
      tags: ['template'],
      hyperparams: {
        General: {
          station: { value: 'FI-AQ-07', type: 'str' },
          peer_outcome: { value: 'failed', type: 'str', description: 'Simulated agents end this task as failed' },
        },
      },
      container: { image: 'snap4city/air-quality:0.9', arguments: '', setup_shell_script: '' },
    },
  ],
};

/**
 * The installation the system and Node-RED stacks start from: a "Snap4City" project (`p-snap`),
 * queues `default` (the default) and `gpu`, and one completed template task `traffic_forecast`
 * (`task`: its id, hyperparameters and container).
 */
export function trafficForecastSeed(task: Required<Pick<SeedTask, 'id' | 'hyperparams' | 'container'>>): Seed {
  return {
    projects: [{ id: 'p-snap', name: 'Snap4City' }],
    queues: [
      { id: 'q-default', name: 'default', default: true },
      { id: 'q-gpu', name: 'gpu' },
    ],
    tasks: [{ ...task, name: 'traffic_forecast', project: 'p-snap', status: 'completed' }],
  };
}
