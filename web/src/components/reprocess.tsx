import { useState } from 'preact/hooks';
import { api } from '../api/client.js';

const TOKEN_KEY = 'contimg.apiToken';
const OPERATOR_KEY = 'contimg.operator';

/**
 * "Reprocess from stage": the API refuses it without the server's token, so the operator pastes
 * it here; it stays in this tab's sessionStorage only.
 */
export function ReprocessForm({ groupId, stages }: { groupId: string; stages: readonly string[] }) {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [operator, setOperator] = useState(() => sessionStorage.getItem(OPERATOR_KEY) ?? '');
  const [fromStage, setFromStage] = useState(stages[0] ?? '');
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(OPERATOR_KEY, operator);
    try {
      const reply = await api.reprocess(groupId, { fromStage, reason }, { token, operator });
      setResult({ ok: true, text: `requested by ${reply.operator} (event ${reply.seq})` });
    } catch (err) {
      setResult({ ok: false, text: (err as Error).message });
    }
  };

  return (
    <form class="reprocess" onSubmit={(e) => void submit(e)} data-testid="reprocess">
      <label>
        from stage{' '}
        <select value={fromStage} onChange={(e) => setFromStage(e.currentTarget.value)}>
          {stages.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        reason <input required maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      </label>
      <label>
        operator <input value={operator} onInput={(e) => setOperator(e.currentTarget.value)} placeholder="operator" />
      </label>
      <label>
        API token <input type="password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} autoComplete="off" />
      </label>
      <button type="submit" disabled={token === '' || reason === ''}>
        Reprocess
      </button>
      {result && <span class={result.ok ? 'ok' : 'bad'}>{result.text}</span>}
    </form>
  );
}
