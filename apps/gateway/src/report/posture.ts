/**
 * The fleet posture the gateway reports. Until the escalation service exists the fleet always rests at
 * `operator` (normal enforcement); this is the one place to change when it arrives.
 */
export type PostureSource = () => Promise<string>;

export const restingPosture: PostureSource = async () => 'operator';
