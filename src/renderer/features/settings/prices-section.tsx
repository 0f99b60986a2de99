import { useState } from 'react';
import type { PriceEntry } from '../../../shared/types';
import { call } from '../common/call';
import { useContract } from '../common/use-contract';
import { SectionError } from './section-error';
import { parsePrice } from './settings-logic';

/** The editable price table, in dollars per million tokens; each row saves on its own. */
export function PricesSection() {
  const query = useContract('prices.list', {}, []);
  const prices = query.value ?? null;
  const error = query.loaded.state === 'error' ? `Cannot load prices: ${query.loaded.message}` : null;
  const setPrices = query.set;

  const save = async (entry: PriceEntry): Promise<string | null> => {
    const r = await call('prices.save', entry);
    if (!r.ok) return r.error.message;
    setPrices(r.value);
    return null;
  };

  return (
    <section className="settings-section" data-testid="settings-prices">
      <h2>Prices</h2>
      <p className="muted small">Used to turn token counts into cost. Dollars per million tokens.</p>
      <SectionError section="prices" message={error} />
      {prices === null && !error ? <div className="muted">Loading…</div> : null}
      {prices ? (
        <table className="settings-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Input $/Mtok</th>
              <th>Output $/Mtok</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {prices.map((p) => (
              <PriceRow key={p.model} entry={p} onSave={save} />
            ))}
            <PriceRow key={`new-${prices.length}`} entry={null} onSave={save} />
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function PriceRow({ entry, onSave }: { entry: PriceEntry | null; onSave(e: PriceEntry): Promise<string | null> }) {
  const [model, setModel] = useState(entry?.model ?? '');
  const [input, setInput] = useState(entry ? String(entry.inputPerMTok) : '');
  const [output, setOutput] = useState(entry ? String(entry.outputPerMTok) : '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = entry === null || input !== String(entry.inputPerMTok) || output !== String(entry.outputPerMTok);

  const save = async () => {
    const inputPerMTok = parsePrice(input);
    const outputPerMTok = parsePrice(output);
    if (!model.trim()) return setError('Enter the model name.');
    if (inputPerMTok === null || outputPerMTok === null) return setError('Prices are numbers of dollars, e.g. 2.5.');
    setBusy(true);
    setError(null);
    const problem = await onSave({ model: model.trim(), inputPerMTok, outputPerMTok });
    setBusy(false);
    setError(problem);
  };

  return (
    <>
      <tr data-testid={entry ? 'price-row' : 'price-new-row'} data-model={entry?.model ?? ''}>
        <td>
          {entry ? (
            <code>{entry.model}</code>
          ) : (
            <input data-testid="price-model-input" value={model} placeholder="New model…" spellCheck={false} onChange={(e) => setModel(e.target.value)} />
          )}
        </td>
        <td>
          <input data-testid="price-input-input" className="num" value={input} inputMode="decimal" onChange={(e) => setInput(e.target.value)} />
        </td>
        <td>
          <input data-testid="price-output-input" className="num" value={output} inputMode="decimal" onChange={(e) => setOutput(e.target.value)} />
        </td>
        <td>
          <button data-testid="price-save" disabled={busy || !dirty} onClick={() => void save()}>
            {entry ? 'Save' : 'Add'}
          </button>
        </td>
      </tr>
      {error ? (
        <tr>
          <td colSpan={4}>
            <SectionError section="price" message={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
