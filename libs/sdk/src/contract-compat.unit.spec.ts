// The SDK keeps its own copy of the wire types so it can be published alone; this spec keeps the copy equal
// to the contracts (types both ways — checked by `npm run typecheck` —, constants, subject and bucket names).
import * as contracts from '@immune/contracts';
import * as sdk from './wire';
import { CommandDispatcher } from './command-dispatcher';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const assertSame = <T extends true>(_: T) => undefined;

describe('the SDK wire types match @immune/contracts', () => {
  it('types are mutually assignable', () => {
    assertSame<Same<sdk.VitalInput, contracts.VitalInput>>(true);
    assertSame<Same<sdk.AgentStatus, contracts.AgentStatus>>(true);
    assertSame<Same<sdk.Restrictions, contracts.Restrictions>>(true);
    assertSame<Same<sdk.HealingAction, contracts.HealingAction>>(true);
    assertSame<Same<sdk.AgentCommand, contracts.AgentChannelRequest>>(true);
    assertSame<Same<sdk.AgentCommandReply, contracts.AgentChannelReply>>(true);
    expect(true).toBe(true);
  });

  it('constants and names are equal', () => {
    expect([...sdk.HEALING_ACTIONS]).toEqual([...contracts.HEALING_ACTIONS]);
    expect([...sdk.AGENT_STATUSES]).toEqual([...contracts.AGENT_STATUSES]);
    expect({ ...sdk.NO_RESTRICTIONS }).toEqual({ ...contracts.NO_RESTRICTIONS });
    expect(sdk.NAMESPACE_PATTERN.source).toBe(contracts.NAMESPACE_PATTERN.source);
    expect(sdk.AGENT_ID_PATTERN.source).toBe(contracts.AGENT_ID_PATTERN.source);
    expect(sdk.DEFAULT_NAMESPACE).toBe(contracts.DEFAULT_NAMESPACE);
    const a = sdk.sdkNames('demo_ns');
    const b = contracts.names('demo_ns');
    expect(a.vitals('agent-1')).toBe(b.vitals('agent-1'));
    expect(a.statusBucket).toBe(b.statusBucket);
    expect(a.agentChannel('agent-1')).toBe(b.agentChannel('agent-1'));
  });

  it('requests the contracts accept are handled by the SDK, and SDK replies pass the contracts parser', async () => {
    const request: contracts.AgentChannelRequest = { commandId: 'c-1', action: 'reset_memory', params: { attempt: 1 } };
    expect(contracts.parseAgentChannelRequest(JSON.parse(JSON.stringify(request)))).toEqual(request);
    const d = new CommandDispatcher();
    d.register('reset_memory', () => 'done');
    const reply = await d.handle(new TextEncoder().encode(JSON.stringify(request)));
    expect(contracts.parseAgentChannelReply(JSON.parse(JSON.stringify(reply)), 'c-1')).toEqual({ commandId: 'c-1', ok: true, detail: 'done' });
  });
});
