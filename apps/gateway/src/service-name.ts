/** The gateway's name in logs, heartbeats and metrics. */
export const SERVICE = 'gateway';
