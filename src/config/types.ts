export type {
  Approval,
  ChatConfigs,
  Config,
  DnsServerAddress,
  DnsSettings,
  HttpSettings,
  PolicyConfig,
  PolicyRule,
} from '../core/config/types.ts';
