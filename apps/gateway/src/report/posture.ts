/**
 * The fleet posture the gateway reports (`/ready`, `/report`): the profile in force as the `posture` read
 * model shows it (written from the escalation service's events); no row yet = the default, operator.
 */
export type PostureSource = () => Promise<string>;

export const restingPosture: PostureSource = async () => 'operator';

export function postureFrom(read: () => Promise<string>): PostureSource {
  return () => read().catch(() => 'unknown');
}
