// The studio's state for one open draft: each file's original text and its tree, and the
// session's undo and redo stacks. Every edit is an immer recipe over all the draft's trees, so
// that one step may touch several files (a rename) and undo is the step's inverse patches.
import { applyPatches, enablePatches, produceWithPatches, type Patch } from 'immer';
import { createStore } from 'zustand/vanilla';
import { parse, print } from '../json/text';
import type { J } from '../json/tree';
import type { Files } from './form';

enablePatches();

interface Original {
  text: string;
  /** canonical is print(parse(text)): a tree that prints to it is the unchanged file. */
  canonical: string;
  /** tree is the tree the text was loaded or saved as: while a file's tree is still this one, it is unchanged. */
  tree?: J;
}

/**
 * printed caches the canonical text of each tree. An edit replaces only the trees on its path
 * (immer shares the rest), so a keystroke reprints the one file it changed, and only when its
 * text is asked for, never the files it did not touch.
 */
const printed = new WeakMap<object, string>();

function printOf(tree: J): string {
  if (tree === null || typeof tree !== 'object') return print(tree);
  let out = printed.get(tree);
  if (out === undefined) {
    out = print(tree);
    printed.set(tree, out);
  }
  return out;
}

interface Step {
  label: string;
  patches: Patch[];
  inverse: Patch[];
}

export interface DraftState {
  slug: string;
  revision: string;
  originals: Record<string, Original>;
  trees: Files;
  /** broken holds files whose text does not parse, by name, with the text as it stands. */
  broken: Record<string, string>;
  past: Step[];
  future: Step[];
}

export interface DraftStore extends DraftState {
  load(slug: string, revision: string, texts: Record<string, string>): void;
  edit(label: string, recipe: (files: Files) => void): void;
  setText(name: string, text: string): string | null;
  undo(): void;
  redo(): void;
  text(name: string): string;
  changed(): string[];
  saved(revision: string, names: string[]): void;
}

export function createDraftStore() {
  return createStore<DraftStore>()((setState, getState) => ({
    slug: '',
    revision: '',
    originals: {},
    trees: {},
    broken: {},
    past: [],
    future: [],
    load(slug, revision, texts) {
      const originals: Record<string, Original> = {};
      const trees: Files = {};
      const broken: Record<string, string> = {};
      for (const [name, text] of Object.entries(texts)) {
        try {
          const tree = parse(text);
          trees[name] = tree;
          originals[name] = { text, canonical: printOf(tree), tree };
        } catch {
          broken[name] = text;
          originals[name] = { text, canonical: '' };
        }
      }
      setState({ slug, revision, originals, trees, broken, past: [], future: [] });
    },
    edit(label, recipe) {
      const [trees, patches, inverse] = produceWithPatches(getState().trees, recipe);
      if (patches.length === 0) return;
      setState((s) => ({ trees, past: [...s.past, { label, patches, inverse }], future: [] }));
    },
    setText(name, text) {
      let tree: J;
      try {
        tree = parse(text);
      } catch (e) {
        setState((s) => ({ broken: { ...s.broken, [name]: text } }));
        return (e as Error).message;
      }
      setState((s) => {
        const broken = { ...s.broken };
        delete broken[name];
        return { broken };
      });
      getState().edit(`编辑 ${name} 原文`, (files) => {
        files[name] = tree;
      });
      return null;
    },
    undo() {
      const s = getState();
      const step = s.past[s.past.length - 1];
      if (!step) return;
      setState({ trees: applyPatches(s.trees, step.inverse), past: s.past.slice(0, -1), future: [...s.future, step] });
    },
    redo() {
      const s = getState();
      const step = s.future[s.future.length - 1];
      if (!step) return;
      setState({ trees: applyPatches(s.trees, step.patches), future: s.future.slice(0, -1), past: [...s.past, step] });
    },
    text(name) {
      const s = getState();
      if (name in s.broken) return s.broken[name];
      const tree = s.trees[name];
      const o = s.originals[name];
      if (tree === undefined) return o?.text ?? '';
      if (o && o.tree === tree) return o.text;
      const out = printOf(tree);
      return o && out === o.canonical ? o.text : out;
    },
    changed() {
      const s = getState();
      const names = new Set([...Object.keys(s.trees), ...Object.keys(s.broken)]);
      return [...names].filter((n) => s.text(n) !== s.originals[n]?.text).sort();
    },
    saved(revision, names) {
      setState((s) => {
        const originals = { ...s.originals };
        for (const n of names) {
          const text = s.text(n);
          originals[n] = { text, canonical: text, tree: s.trees[n] };
        }
        return { revision, originals };
      });
    },
  }));
}

export type DraftStoreApi = ReturnType<typeof createDraftStore>;
