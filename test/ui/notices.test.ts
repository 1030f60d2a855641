/**
 * The page's notices (src/ui/store/store.ts notify): the same text is shown
 * once; a notice with a key takes the place of the one before it with that
 * key (the same news about another text: a second long scenario's "too big to
 * keep" replaces the first's); others stay.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { useStore } from '../../src/ui/store/store.ts';

const texts = () => useStore.getState().notices.map((n) => n.text);

describe('notices', () => {
  beforeEach(() => useStore.setState({ notices: [] }));

  it('shows the same text once', () => {
    useStore.getState().notify('info', 'a');
    useStore.getState().notify('info', 'a');
    expect(texts()).toEqual(['a']);
  });

  it('a keyed notice replaces the one before it with the same key, and only that one', () => {
    const { notify } = useStore.getState();
    notify('error', 'saving failed');
    notify('info', 'This scenario (1.3 MB) is too big', 'too-long-to-keep');
    notify('info', 'This scenario (2.7 MB) is too big', 'too-long-to-keep');
    expect(texts()).toEqual(['saving failed', 'This scenario (2.7 MB) is too big']);
  });
});
