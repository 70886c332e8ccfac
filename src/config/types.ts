export type {
  Approval,
  ChatConfigs,
  Config,
  HttpSettings,
  PolicyConfig,
  PolicyRule,
} from '../core/config/types.ts';
