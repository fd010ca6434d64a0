/**
 * Which unmarked calls tsad rejects because they may change, through a
 * name of their own, an array the marked function reads (TS96018): each
 * form of write that could reach the marked function's array parameter,
 * and none of the writes that cannot. One module holds every case, each
 * with its own names and marked function, so one compilation checks them
 * all.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot, transformedSource } from "./support/compile.js";

interface Case {
  /** Module-level declarations; `$` stands for the case's name. */
  readonly setup?: string;
  /** The body of the unmarked `touch_$`, which the marked `read_$` calls. */
  readonly touch: string;
  /** An extra factor `read_$` reads after the call. */
  readonly read?: string;
  /**
   * The standard global the setup changes itself: TS96009 at the change,
   * as writing it directly is.
   */
  readonly changesGlobal?: string;
}

/** Writes that could reach `x`, the marked function's array parameter. */
const reaching: Record<string, Case> = {
  keptReference: { setup: "let s_$: number[] = [];", touch: "s_$[0] = 1;" },
  alias: {
    setup: "let s_$: number[] = [];",
    touch: "const t = s_$; t[0] = 1;",
  },
  objectAssign: {
    setup: "let s_$: number[] = [];",
    touch: "Object.assign(s_$, [1]);",
  },
  fill: { setup: "let s_$: number[] = [];", touch: "s_$.fill(0);" },
  lengthWrite: { setup: "let s_$: number[] = [];", touch: "s_$.length = 0;" },
  forOfTarget: {
    setup: "let s_$: number[] = [];",
    touch: "for (s_$[0] of [1]) {}",
  },
  destructuring: {
    setup: "let s_$: number[] = [];",
    touch: "[s_$[0]] = [1];",
  },
  namedCallback: {
    setup:
      "const rows_$: number[][] = [[1]];\nfunction clear_$(r: number[]): void { r[0] = 0; }",
    touch: "rows_$.forEach(clear_$);",
  },
  inlineCallback: {
    setup: "const rows_$: number[][] = [[1]];",
    touch: "rows_$.forEach((r) => { r[0] = 0; });",
  },
  methodWritesThroughThis: {
    setup:
      "class Box_$ { v: number[] = [0]; put(): void { this.v[0] = 1; } }\nconst box_$ = new Box_$();",
    touch: "box_$.put();",
  },
  fieldInitializer: {
    setup:
      "const data_$: number[] = [2, 3];\nclass C_$ { v = (data_$[0] = 5); }",
    touch: "new C_$();",
    read: "data_$[0]!",
  },
  constructorOfSubclass: {
    setup:
      "const data_$: number[] = [2, 3];\nclass B_$ { constructor() { data_$[0] = 5; } }\nclass D_$ extends B_$ {}",
    touch: "new D_$();",
    read: "data_$[0]!",
  },
  functionCall: {
    setup:
      "const data_$: number[] = [2, 3];\nfunction poke_$(): void { data_$[0] = 5; }",
    touch: "poke_$.call(undefined);",
    read: "data_$[0]!",
  },
  functionApply: {
    setup: "let s_$: number[] = [];\nfunction poke_$(): void { s_$[0] = 5; }",
    touch: "poke_$.apply(undefined, []);",
  },
  parameterDefault: {
    setup:
      "const data_$: number[] = [2, 3];\nfunction hit_$(d: number = (data_$[0] = 5)): number { return d; }",
    touch: "hit_$();",
    read: "data_$[0]!",
  },
  taggedTemplate: {
    setup:
      "const data_$: number[] = [2, 3];\nfunction tag_$(s: TemplateStringsArray): number { data_$[0] = 5; return s.length; }",
    touch: "tag_$`x`;",
    read: "data_$[0]!",
  },
  eval: { touch: 'eval("1");' },
  restParameter: {
    setup:
      "const data_$: number[] = [2, 3];\nfunction w_$(...as: number[][]): void { as[1]![0] = 5; }",
    touch: "const t: number[] = [0]; w_$(t, data_$);",
  },
  recursionSwappingParameters: {
    setup:
      "const data_$: number[] = [2, 3];\nfunction a_$(p: number[], q: number[], n: number): void { if (n > 0) a_$(q, p, n - 1); else p[0] = 5; }",
    touch: "const t: number[] = [0]; a_$(t, data_$, 1);",
  },
  proxy: {
    setup: "const data_$: number[] = [2, 3];",
    touch: "const p = new Proxy(data_$, {}); p[0] = 5;",
  },
  bufferView: {
    setup: "const data_$ = new Float64Array([2, 3]);",
    touch: "const v = new Float64Array(data_$.buffer); v[0] = 5;",
  },
  dataView: {
    setup: "const data_$ = new Float64Array([2, 3]);",
    touch: "new DataView(data_$.buffer).setFloat64(0, 5, true);",
  },
  prototypeMethodCall: {
    setup: "const data_$: number[] = [2, 3];",
    touch: "Array.prototype.fill.call(data_$, 5, 0, 1);",
  },
  callbackThroughParameter: {
    setup:
      "const rows_$: number[][] = [[2, 3]];\nfunction clear_$(r: number[]): void { r[0] = 5; }\nfunction each_$(cb: (r: number[]) => void): void { rows_$.forEach(cb); }",
    touch: "each_$(clear_$);",
  },
  boundCallback: {
    setup:
      "const rows_$: number[][] = [[2, 3]];\nfunction clear_$(r: number[]): void { r[0] = 5; }",
    touch: "rows_$.forEach(clear_$.bind(null));",
  },
  chosenCallback: {
    setup:
      "const rows_$: number[][] = [[2, 3]];\nfunction clear_$(r: number[]): void { r[0] = 5; }",
    touch: "rows_$.forEach(rows_$.length > 0 ? clear_$ : clear_$);",
  },
  shorthandReassignment: {
    setup: "let s_$: number[] = [];",
    touch: "let t: number[] = []; ({ t } = { t: s_$ }); t[0] = 5;",
  },
  // Calls whose function is not the one the types name.
  subclassOverride: {
    setup:
      "const data_$: number[] = [2];\nclass A_$ { run(): void {} }\nclass B_$ extends A_$ { override run(): void { data_$[0] = 5; } }\nconst a_$: A_$ = new B_$();",
    touch: "a_$.run();",
    read: "data_$[0]!",
  },
  overriddenHook: {
    setup:
      "const data_$: number[] = [2];\nclass A_$ { go(): void { this.hook(); } hook(): void {} }\nclass B_$ extends A_$ { override hook(): void { data_$[0] = 5; } }\nconst b_$ = new B_$();",
    touch: "b_$.go();",
    read: "data_$[0]!",
  },
  functionTypedAsAnother: {
    setup:
      "const data_$: number[] = [2];\nfunction nop_$(): void {}\nfunction poke_$(): void { data_$[0] = 5; }\nconst cb_$: typeof nop_$ = poke_$;",
    touch: "cb_$();",
    read: "data_$[0]!",
  },
  functionInAnArray: {
    setup:
      "const data_$: number[] = [2];\nfunction nop_$(): void {}\nfunction poke_$(): void { data_$[0] = 5; }\nconst handlers_$ = [nop_$, poke_$];",
    touch: "handlers_$[1]!();",
    read: "data_$[0]!",
  },
  listenerList: {
    setup:
      "const data_$: number[] = [2];\nfunction nop_$(): void {}\nfunction poke_$(): void { data_$[0] = 5; }\nconst listeners_$ = [nop_$];\nlisteners_$.push(poke_$);\nfunction emit_$(): void { for (const l of listeners_$) l(); }",
    touch: "emit_$();",
    read: "data_$[0]!",
  },
  libraryFunctionType: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\nconst cb_$: VoidFunction = poke_$;",
    touch: "cb_$();",
    read: "data_$[0]!",
  },
  boundLibraryMethod: {
    setup:
      "const data_$: number[] = [2];\nconst fill_$ = data_$.fill.bind(data_$);",
    touch: "fill_$(5);",
    read: "data_$[0]!",
  },
  generatorNext: {
    setup:
      "const data_$: number[] = [2];\nfunction* gen_$(): Generator<number> { while (true) { data_$[0] = 5; yield 1; } }\nconst it_$ = gen_$();",
    touch: "it_$.next();",
    read: "data_$[0]!",
  },
  reflectConstruct: {
    setup:
      "const data_$: number[] = [2];\nclass C_$ { constructor() { data_$[0] = 5; } }",
    touch: "Reflect.construct(C_$, []);",
    read: "data_$[0]!",
  },
  markedFunctionsUnmarkedCall: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\n/** @differentiable */\nexport function g_$(t: number): number { poke_$(); return t * t; }",
    touch: "g_$(1);",
    read: "data_$[0]!",
  },
  parameterProperty: {
    setup:
      "const data_$: number[] = [2];\nclass Scaler_$ { constructor(private w: number[]) { this.w[0] = 5; } }",
    touch: "new Scaler_$(data_$);",
  },
  constructorCallsMethod: {
    setup:
      "const data_$: number[] = [2];\nclass C_$ { v: number[]; constructor(v: number[]) { this.v = v; this.init(); } init(): void { this.v[0] = 5; } }",
    touch: "new C_$(data_$);",
  },
  reassignedParameter: {
    setup:
      "const data_$: number[] = [2];\nfunction w_$(a: number[]): void { a = data_$; a[0] = 5; }",
    touch: "w_$([0]);",
    read: "data_$[0]!",
  },
  defaultOfParameter: {
    setup:
      "const data_$: number[] = [2];\nfunction w_$(a: number[] = data_$): void { a[0] = 5; }",
    touch: "w_$();",
    read: "data_$[0]!",
  },
  parameterAsLoopTarget: {
    setup:
      "const data_$: number[] = [2];\nconst rows_$: number[][] = [data_$];\nfunction w_$(a: number[]): void { for (a of rows_$) a[0] = 5; }",
    touch: "w_$([0]);",
  },
  varDeclaredTwice: {
    setup: "const data_$: number[] = [2];",
    touch: "var t = [0]; var t = data_$; t[0] = 5;",
    read: "data_$[0]!",
  },
  aliasFromSort: {
    setup: "const a_$: number[] = [2, 3];\nconst b_$ = a_$.sort();",
    touch: "a_$[0] = 5;",
    read: "b_$[0]!",
  },
  aliasFromAccessor: {
    setup:
      "const w_$: number[] = [3, 2];\nfunction sorted_$(): number[] { return w_$.sort((p, q) => p - q); }\nconst v_$ = sorted_$();",
    touch: "w_$[0] = 5;",
    read: "v_$[0]!",
  },
  aliasInRegistry: {
    setup:
      "const a_$: number[] = [2];\nconst registry_$: number[][] = [];\nregistry_$.push(a_$.fill(2));",
    touch: "a_$[0] = 5;",
    read: "registry_$[0]![0]!",
  },
  bufferByElementAccess: {
    setup:
      'const fa_$ = new Float64Array([2]);\nconst fv_$ = new Float64Array(fa_$["buffer"], 0, 1);',
    touch: "fa_$[0] = 5;",
    read: "fv_$[0]!",
  },
  shorthandProperty: {
    setup:
      "const m_$: number[] = [2];\nconst model_$ = { m_$ };\nconst w_$ = model_$.m_$;",
    touch: "m_$[0] = 5;",
    read: "w_$[0]!",
  },
  callbackGetsTheArray: {
    setup:
      "const m_$: number[] = [2];\nconst leaked_$: number[][] = [];\nm_$.forEach((_v, _i, all) => { leaked_$.push(all); });",
    touch: "m_$[0] = 5;",
    read: "leaked_$[0]![0]!",
  },
  constructorHandsOutThis: {
    setup:
      "const all_$: number[][] = [];\nclass Vec_$ extends Array<number> { constructor() { super(); all_$.push(this); } }\nconst m_$ = new Vec_$();\nm_$.push(2);",
    touch: "m_$[0] = 5;",
    read: "all_$[0]![0]!",
  },
  constructorReturnsAnother: {
    setup:
      "const data_$: number[] = [2];\nclass Evil_$ { constructor() { return data_$ as unknown as Evil_$; } }",
    touch: "const t = new Evil_$() as unknown as number[]; t[0] = 5;",
    read: "data_$[0]!",
  },
  getterReturnsFunction: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\nclass H_$ { get run(): () => void { return poke_$; } }\nconst h_$ = new H_$();",
    touch: "h_$.run();",
    read: "data_$[0]!",
  },
  bindWithArguments: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(a: number[]): void { a[0] = 5; }\nconst p_$ = poke_$.bind(null, data_$);",
    touch: "p_$();",
    read: "data_$[0]!",
  },
  baseThroughAlias: {
    setup:
      "const data_$: number[] = [2];\nclass Base_$ { run(): void {} }\nconst Alias_$ = Base_$;\nclass C_$ extends Alias_$ { override run(): void { data_$[0] = 5; } }\nconst b_$: Base_$ = new C_$();",
    touch: "b_$.run();",
    read: "data_$[0]!",
  },
  baseFromMixin: {
    setup:
      "const data_$: number[] = [2];\nclass Base_$ { go(): void {} }\nfunction Mix_$<T extends new (...args: any[]) => Base_$>(B: T) { return class extends B {}; }\nclass C_$ extends Mix_$(Base_$) { override go(): void { data_$[0] = 5; } }\nconst b_$: Base_$ = new C_$();",
    touch: "b_$.go();",
    read: "data_$[0]!",
  },
  untypedBufferView: {
    setup: "const data_$ = new Float64Array([2]);",
    touch: "const v = new Float64Array(data_$.buffer as any); v[0] = 5;",
  },
  proxyThroughGlobalThis: {
    setup: "const data_$: number[] = [2];",
    touch: "const p = new globalThis.Proxy(data_$, {}); p[0] = 5;",
  },
  atomicsStore: {
    setup:
      "const buf_$ = new SharedArrayBuffer(8);\nconst w_$ = new Float64Array(buf_$);\nconst iv_$ = new Int32Array(buf_$);",
    touch: "Atomics.store(iv_$, 1, 0x40140000);",
    read: "w_$[0]!",
  },
  methodHandsOutThis: {
    setup:
      "const all_$: number[][] = [];\nclass Bag_$ { 0 = 2; reg(): void { all_$.push(this as unknown as number[]); } }\nconst m_$ = new Bag_$();\nm_$.reg();",
    touch: "m_$[0] = 5;",
    read: "all_$[0]![0]!",
  },
  subclassOfTypedArrayOverBuffer: {
    setup:
      "const other_$ = new Float64Array([2]);\nclass V_$ extends Float64Array { constructor() { super(other_$.buffer); } }\nconst m_$ = new V_$();",
    touch: "m_$[0] = 5;",
    read: "other_$[0]!",
  },
  bufferUnderAnotherName: {
    setup:
      "const other_$ = new Float64Array([2]);\ninterface Mem_$ extends ArrayBuffer {}",
    touch: "const m = new Float64Array(other_$.buffer as Mem_$); m[0] = 5;",
    read: "other_$[0]!",
  },
  libraryWriterAlias: {
    setup: "const data_$: number[] = [2];\nconst assign_$ = Object.assign;",
    touch: "assign_$(data_$, [5]);",
    read: "data_$[0]!",
  },
  evalAlias: {
    setup: "const run_$ = eval;",
    touch: 'run_$("1");',
  },
  implementsTheType: {
    setup:
      "const data_$: number[] = [2];\nclass Hook_$ { fire(): void {} }\nclass Poke_$ implements Hook_$ { fire(): void { data_$[0] = 5; } }\nconst hooks_$: Hook_$[] = [new Hook_$()];\nfunction register_$(h: Hook_$): void { hooks_$.push(h); }\nregister_$(new Poke_$());",
    touch: "for (let i = 0; i < hooks_$.length; i++) hooks_$[i]!.fire();",
    read: "data_$[0]!",
  },
  objectOfTheSameShape: {
    setup:
      "const data_$: number[] = [2];\nclass Hook_$ { ring(): void {} }\nconst h_$: Hook_$ = { ring() { data_$[0] = 5; } };",
    touch: "h_$.ring();",
    read: "data_$[0]!",
  },
  genericClassMethod: {
    setup:
      "const data_$: number[] = [2];\nclass Store_$<T> { items: T[] = []; keep(v: T): void { this.items.length = 0; data_$[0] = 5; } }\nclass Plain_$ { items: number[] = []; keep(v: number): void {} }\nconst s_$ = new Store_$<number>();",
    touch: "s_$.keep(1);",
    read: "data_$[0]!",
  },
  inheritedMethodThroughInterface: {
    setup:
      "const data_$: number[] = [2];\ninterface Runner_$ { extra_$: number; step_$(): void }\nclass Base_$ { step_$(): void { data_$[0] = 5; } }\nclass Impl_$ extends Base_$ implements Runner_$ { extra_$ = 1; }\nclass Quiet_$ implements Runner_$ { extra_$ = 1; step_$(): void {} }\nconst r_$: Runner_$ = new Impl_$();",
    touch: "r_$.step_$();",
    read: "data_$[0]!",
  },
  methodCopiedBySpread: {
    setup:
      "const data_$: number[] = [2];\nconst a_$ = { tick_$(): void { data_$[0] = 5; } };\nconst b_$ = { ...a_$, extra: 1 };\nclass Quiet_$ { extra = 1; tick_$(): void {} }",
    touch: "b_$.tick_$();",
    read: "data_$[0]!",
  },
  staticThroughThis: {
    setup:
      "const data_$: number[] = [2];\nclass K_$ { static hit_$(): void {} static go_$(): void { this.hit_$(); } }\nclass S_$ extends K_$ { constructor(n: number) { super(); } static override hit_$(): void { data_$[0] = 5; } }",
    touch: "S_$.go_$();",
    read: "data_$[0]!",
  },
  proxyUnderAnotherName: {
    setup:
      "const data_$: number[] = [2];\nconst P_$ = Proxy;\nconst p_$ = new P_$<number[]>(data_$, Object.assign((): void => {}, { has: (): boolean => true }));",
    touch: "p_$[0] = 5;",
    read: "data_$[0]!",
  },
  bufferWithIndex: {
    setup:
      "class Mem_$ extends ArrayBuffer { [i: number]: number; }\nconst mem_$ = new Mem_$(16);\nconst a_$ = new Float64Array(mem_$);\nconst data_$ = new Float64Array(mem_$);",
    touch: "a_$[0] = 5;",
    read: "data_$[0]!",
  },
  declaredThisParameter: {
    setup:
      "const data_$: number[] = [2];\nfunction w_$(this: void, a: number[]): void { a[0] = 5; }",
    touch: "w_$(data_$);",
    read: "data_$[0]!",
  },
  taggedTemplateArgument: {
    setup:
      "const data_$: number[] = [2];\nfunction tag_$(s: TemplateStringsArray, a: number[]): number { a[0] = 5; return s.length; }",
    touch: "tag_$`${data_$}`;",
    read: "data_$[0]!",
  },
  quotedMethodName: {
    setup:
      'const data_$: number[] = [2];\nclass Quiet_$ { ding_$(): void {} }\nconst h_$: Quiet_$ = { "ding_$"() { data_$[0] = 5; } };',
    touch: "h_$.ding_$();",
    read: "data_$[0]!",
  },
  parameterPropertyMethod: {
    setup:
      "const data_$: number[] = [2];\nclass Quiet_$ { buzz_$(): void {} }\nclass Q_$ { constructor(public buzz_$: () => void) {} }\nconst h_$: Quiet_$ = new Q_$(() => { data_$[0] = 5; });",
    touch: "h_$.buzz_$();",
    read: "data_$[0]!",
  },
  genericField: {
    setup:
      "const data_$: number[] = [2];\nclass Quiet_$ { hum_$(): void {} }\nclass Q_$<T> { hum_$: T; constructor(r: T) { this.hum_$ = r; } }\nconst q_$ = new Q_$(() => { data_$[0] = 5; });",
    touch: "q_$.hum_$();",
    read: "data_$[0]!",
  },
  libraryObjectThroughProgramType: {
    setup:
      "const data_$ = new Float64Array([2]);\nclass Bag_$ { fill(_v: number): void {} }\nconst h_$: { fill(v: number): unknown } = data_$;",
    touch: "h_$.fill(5);",
    read: "data_$[0]!",
  },
  programMethodNamedFill: {
    setup:
      "const data_$: number[] = [2];\nclass Bag_$ { fill(): number[] { return data_$; } }",
    touch: "const t = new Bag_$().fill(); t[0] = 5;",
    read: "data_$[0]!",
  },
  shadowedArray: {
    setup: "const data_$: number[] = [2];",
    touch:
      "const Array = (_n: number): number[] => data_$; const t = Array(1); t[0] = 5;",
    read: "data_$[0]!",
  },
  bufferWithLength: {
    setup:
      "class Mem_$ extends ArrayBuffer { length = 2; [i: number]: number; }\nconst mem_$ = new Mem_$(16);\nconst a_$ = new Float64Array(mem_$);\nconst data_$ = new Float64Array(mem_$);",
    touch: "a_$[0] = 5;",
    read: "data_$[0]!",
  },
  objectMethodHandsOutThis: {
    setup:
      "const all_$: number[][] = [];\nconst st_$ = { 0: 2, leak(): void { all_$.push(this as unknown as number[]); } };\nst_$.leak();",
    touch: "st_$[0] = 5;",
    read: "all_$[0]![0]!",
  },
  baseConstructorReturnsAnother: {
    setup:
      "const data_$: number[] = [2];\nclass B_$ { constructor() { return data_$ as unknown as B_$; } }\nclass C_$ extends B_$ { constructor() { super(); (this as unknown as number[])[0] = 5; } }",
    touch: "new C_$();",
    read: "data_$[0]!",
  },
  exportedByName: {
    setup: "const data_$: number[] = [2, 3];\nexport { data_$ };",
    touch: "data_$[0] = 5;",
  },
  setter: {
    setup:
      "const data_$: number[] = [2, 3];\nclass S_$ { set v_$(n: number) { data_$[0] = n; } }\nconst s_$ = new S_$();",
    touch: "s_$.v_$ = 5;",
    read: "data_$[0]!",
  },
  rowOfPrivateArray: {
    setup: "const m_$: number[][] = [[1]];",
    touch: "m_$[0]![0] = 2;",
  },
  unresolvableCall: {
    setup: "declare const hook_$: () => void;",
    touch: "hook_$();",
  },
  recursiveHelper: {
    setup:
      "let s_$: number[] = [];\nfunction rec_$(n: number): void { if (n > 0) rec_$(n - 1); else s_$[0] = 1; }",
    touch: "rec_$(2);",
  },
  overloadedHelper: {
    setup:
      "let s_$: number[] = [];\nfunction ov_$(a: number): void;\nfunction ov_$(a: number): void { s_$[0] = a; }",
    touch: "ov_$(1);",
  },
  parameterOfHelper: {
    setup:
      "let s_$: number[] = [];\nfunction first_$(a: number[]): void { a[0] = 1; }",
    touch: "first_$(s_$);",
  },
  exportedConst: {
    setup: "export const e_$: number[] = [0];",
    touch: "e_$[0] = 1;",
  },
  returnedConst: {
    setup:
      "const p_$: number[] = [0];\nexport const get_$ = (): number[] => p_$;",
    touch: "p_$[0] = 1;",
  },
  staticField: {
    setup: "class K_$ { static v: number[] = [0]; }",
    touch: "K_$.v[0] = 1;",
  },
  privateArrayTheFunctionReads: {
    setup: "const w_$: number[] = [1];",
    touch: "w_$[0] = 2;",
    read: "w_$[0]!",
  },
  // Setters, whatever the receiver's type says.
  setterThroughInterface: {
    setup:
      "const data_$: number[] = [2];\ninterface I_$ { v_$: number }\nconst o_$: I_$ = { get v_$() { return 0; }, set v_$(n: number) { data_$[0] = n; } };",
    touch: "o_$.v_$ = 5;",
    read: "data_$[0]!",
  },
  setterByElementAccess: {
    setup:
      "const data_$: number[] = [2];\nclass S_$ { set v_$(n: number) { data_$[0] = n; } }",
    touch: 'const s = new S_$(); s["v_$"] = 5;',
    read: "data_$[0]!",
  },
  setterThroughTypeParameter: {
    setup:
      "const data_$: number[] = [2];\nclass S_$ { get v_$(): number { return 0; } set v_$(n: number) { data_$[0] = n; } }\nfunction put_$<T extends { v_$: number }>(o: T): void { o.v_$ = 5; }",
    touch: "put_$(new S_$());",
    read: "data_$[0]!",
  },
  setterCompound: {
    setup:
      "const data_$: number[] = [2];\ninterface I_$ { v_$: number }\nclass S_$ { get v_$(): number { return 0; } set v_$(n: number) { data_$[0] = n; } }",
    touch: "const s: I_$ = new S_$(); s.v_$ += 5;",
    read: "data_$[0]!",
  },
  setterDestructured: {
    setup:
      "const data_$: number[] = [2];\nclass S_$ { set v_$(n: number) { data_$[0] = n; } }",
    touch: 'const s = new S_$(); [s["v_$"]] = [5];',
    read: "data_$[0]!",
  },
  setterRunByObjectAssign: {
    setup:
      "const data_$: number[] = [2];\nclass S_$ { set v_$(n: number) { data_$[0] = n; } }",
    touch: "Object.assign(new S_$(), { v_$: 5 });",
    read: "data_$[0]!",
  },
  // Decorators run code when a class is made.
  classDecorator: {
    setup:
      "const data_$: number[] = [2];\nfunction swap_$<T extends new (...a: any[]) => object>(value: T, _ctx: ClassDecoratorContext): T { return class extends value { constructor(...a: any[]) { super(...a); data_$[0] = 5; } }; }\n@swap_$ class C_$ { n = 1; }",
    touch: "new C_$();",
    read: "data_$[0]!",
  },
  fieldDecorator: {
    setup:
      "const data_$: number[] = [2];\nfunction init_$(_v: undefined, _ctx: ClassFieldDecoratorContext) { return (v: number): number => { data_$[0] = 5; return v; }; }\nclass C_$ { @init_$ n = 1; }",
    touch: "new C_$();",
    read: "data_$[0]!",
  },
  decoratorInitializer: {
    setup:
      "const data_$: number[] = [2];\nfunction hook_$(_m: unknown, ctx: ClassMethodDecoratorContext) { ctx.addInitializer(() => { data_$[0] = 5; }); }\nclass C_$ { @hook_$ m(): void {} }",
    touch: "new C_$();",
    read: "data_$[0]!",
  },
  // `new Object(o)` is `o`.
  newObjectOfArray: {
    setup: "const data_$: number[] = [2];",
    touch: "Object.assign(new Object(data_$), [5]);",
    read: "data_$[0]!",
  },
  reflectSetOnNewObject: {
    setup: "const data_$: number[] = [2];",
    touch: "const o = new Object(data_$); Reflect.set(o, 0, 5);",
    read: "data_$[0]!",
  },
  // Library calls that write an argument other than the first.
  encodeIntoView: {
    setup:
      "const data_$ = new Float64Array([2]);\nconst bytes_$ = new Uint8Array(data_$.buffer, 7, 1);",
    touch: 'new TextEncoder().encodeInto("A", bytes_$);',
    read: "data_$[0]!",
  },
  reflectSetReceiver: {
    setup: "const data_$: number[] = [2];",
    touch: "Reflect.set({}, 0, 5, data_$);",
    read: "data_$[0]!",
  },
  // `this.valueOf()` is `this`: the object is not its module's alone.
  thisThroughValueOfInClass: {
    setup:
      "const all_$: number[][] = [];\nclass Bag_$ { 0 = 2; reg(): void { all_$.push(this.valueOf() as number[]); } }\nconst m_$ = new Bag_$();\nm_$.reg();",
    touch: "m_$[0] = 5;",
    read: "all_$[0]![0]!",
  },
  thisThroughValueOfInLiteral: {
    setup:
      "const all_$: number[][] = [];\nconst m_$ = { 0: 2, reg(): void { all_$.push(this.valueOf() as number[]); } };\nm_$.reg();",
    touch: "m_$[0] = 5;",
    read: "all_$[0]![0]!",
  },
  // A member typed `Function` may be called.
  functionTypedField: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\nclass Quiet_$ { ring_$(): void {} }\nclass Loud_$ { ring_$: Function = poke_$; }\nconst loud_$ = new Loud_$();",
    touch: "loud_$.ring_$();",
    read: "data_$[0]!",
  },
  functionTypedFieldSetInConstructor: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\nclass Quiet_$ { ring_$(): void {} }\nclass Loud_$ { ring_$: Function; constructor() { this.ring_$ = poke_$; } }\nconst loud_$ = new Loud_$();",
    touch: "loud_$.ring_$();",
    read: "data_$[0]!",
  },
  functionTypedLiteralProperty: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\nconst quiet_$ = { ring_$(): void {} };\nconst fn_$: Function = poke_$;\nconst loud_$ = { ring_$: fn_$ };",
    touch: "loud_$.ring_$();",
    read: "data_$[0]!",
  },
  globalThisEval: {
    setup:
      "declare global { var saved_$: number[]; }\nconst data_$: number[] = [2];\nglobalThis.saved_$ = data_$;",
    touch: 'globalThis.eval("saved_$[0] = 5");',
    read: "data_$[0]!",
  },
  // A module-level const another name reaches after all.
  directEvalAlias: {
    setup:
      'const m_$: number[] = [2];\nexport const alias_$: number[] = eval("m_$");',
    touch: "m_$[0] = 5;",
  },
  passedInExtendsClause: {
    setup:
      "const m_$: number[] = [2];\nconst slot_$: number[][] = [];\nfunction grab_$(a: number[]) { slot_$.push(a); return class {}; }\nexport class X_$ extends grab_$(m_$) {}",
    touch: "m_$[0] = 5;",
  },
  returnedByInstantiationExpression: {
    setup:
      "const m_$: number[] = [2];\nconst get_$ = (<T,>(): number[] => m_$)<number>;\nexport const alias_$ = get_$();",
    touch: "m_$[0] = 5;",
  },
  thisOfFunctionElement: {
    setup:
      "type T_$ = [number, (this: T_$) => void];\nconst held_$: unknown[] = [];\nconst m_$: T_$ = [2, function (this: T_$) { held_$.push(this); }];",
    touch: "m_$[0] = 5;",
  },
  thisOfSpreadMethod: {
    setup:
      "const held_$: unknown[] = [];\nconst proto_$ = { leak(): void { held_$.push(this); } };\nconst m_$ = { 0: 2, ...proto_$ };",
    touch: "m_$[0] = 5;",
  },
  thisOfFieldFunction: {
    setup:
      "const held_$: unknown[] = [];\nfunction leak_$(this: unknown): void { held_$.push(this); }\nclass C_$ { 0 = 2; f = leak_$; }\nconst c_$ = new C_$();",
    touch: "c_$[0] = 5;",
  },
  decoratedClassOfModuleConst: {
    setup:
      "function dec_$<T extends new (...a: any[]) => object>(value: T, _c: ClassDecoratorContext): T { return value; }\n@dec_$ class C_$ { 0 = 2; }\nconst c_$ = new C_$();",
    touch: "c_$[0] = 5;",
  },
  // Code the language runs.
  decoratedAccessorSetter: {
    setup:
      "const data_$: number[] = [2];\nfunction spy_$(t: ClassAccessorDecoratorTarget<C_$, number>, _c: ClassAccessorDecoratorContext<C_$, number>): ClassAccessorDecoratorResult<C_$, number> { return { set(this: C_$, v: number) { data_$[0] = v; t.set.call(this, v); } }; }\nclass C_$ { @spy_$ accessor v_$ = 0; }\nconst c_$ = new C_$();",
    touch: "c_$.v_$ = 5;",
    read: "data_$[0]!",
  },
  usingDisposer: {
    setup:
      '/// <reference lib="esnext.disposable" />\nconst data_$: number[] = [2];\nclass Res_$ { [Symbol.dispose](): void { data_$[0] = 5; } }',
    touch: "using r = new Res_$();",
    read: "data_$[0]!",
  },
  decoratorOfLocalClass: {
    setup:
      "const data_$: number[] = [2];\nfunction dec_$(_v: unknown, _c: ClassDecoratorContext): void { data_$[0] = 5; }",
    touch: "@dec_$ class C {}",
    read: "data_$[0]!",
  },
  setterRunByLibraryMethod: {
    setup:
      "const data_$: number[] = [2];\nclass S_$ { get length(): number { return 0; } set length(_n: number) { data_$[0] = 5; } }",
    touch: "Array.prototype.push.call(new S_$(), 1);",
    read: "data_$[0]!",
  },
  // Library code under a program's name, and a package's.
  encodeIntoUnderProgramType: {
    setup:
      "const data_$ = new Float64Array([2]);\nconst bytes_$ = new Uint8Array(data_$.buffer, 7, 1);\ninterface Enc_$ { encodeInto(s: string, d: Uint8Array): unknown }\nclass Quiet_$ { encodeInto(_s: string, _d: Uint8Array): number { return 0; } }",
    touch: 'const e: Enc_$ = new TextEncoder(); e.encodeInto("A", bytes_$);',
    read: "data_$[0]!",
  },
  packageSliceView: {
    setup: '/// <reference types="node" />\nconst data_$ = Buffer.alloc(8);',
    touch: "const v = data_$.slice(0, 8); v.writeDoubleLE(5, 0);",
  },
  uint8SliceMayBeBuffer: {
    setup:
      '/// <reference types="node" />\nconst data_$ = Buffer.alloc(8);\nconst u_$: Uint8Array = data_$;',
    touch: "const v = u_$.slice(0, 8); v[0] = 1;",
  },
  packageMethodWritesArgument: {
    setup:
      '/// <reference types="node" />\nconst data_$ = new Float64Array([2]);\nconst bytes_$ = new Uint8Array(data_$.buffer);',
    touch: "const src = new Buffer(8); src.copy(bytes_$);",
    read: "data_$[0]!",
  },
  packageFunctionWritesArgument: {
    setup:
      '/// <reference types="node" />\nimport { readSync } from "node:fs";\nlet saved_$ = new Uint8Array(8);',
    touch: "readSync(0, saved_$);",
  },
  structuredCloneTransfers: {
    setup: "let saved_$ = new Float64Array([2]);",
    touch: "structuredClone(saved_$.buffer, { transfer: [saved_$.buffer] });",
  },
  // Round 9.
  boundThisIgnoresCall: {
    setup:
      "const data_$: number[] = [2];\nfunction set0_$(this: number[]): void { this[0] = 5; }\nconst b_$ = set0_$.bind(data_$);",
    touch: "b_$.call([0]);",
    read: "data_$[0]!",
  },
  bindWithSpread: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(a: number[]): void { a[0] = 5; }\nconst bargs_$: [null, number[]] = [null, data_$];\nconst b_$ = poke_$.bind(...bargs_$);",
    touch: "b_$();",
    read: "data_$[0]!",
  },
  libraryMethodCalledUnderProgramType: {
    setup:
      "const data_$: number[] = [2];\ninterface Fl_$ { fill(v: number): unknown }\nclass Q_$ { fill(v: number): number { return v; } }\nconst fl_$: Fl_$ = data_$;",
    touch: "fl_$.fill.call(fl_$, 5);",
    read: "data_$[0]!",
  },
  methodOfEntriesObject: {
    setup:
      'const w_$: number[] = [2];\ninterface Runner_$ { get?(): void }\nclass Quiet_$ { get(): void {} }\nconst ext_$: Runner_$ = Object.fromEntries([["get", function (): void { w_$[0] = 5; }]]);',
    touch: "ext_$.get!();",
    read: "w_$[0]!",
  },
  prototypeReplaced: {
    setup:
      "const held_$: unknown[] = [];\nclass Leaky_$ { reg(): void { held_$.push(this); } }\nclass C_$ { 0 = 2; }\nObject.setPrototypeOf(C_$.prototype, Leaky_$.prototype);\nconst c_$ = new C_$();",
    touch: "c_$[0] = 5;",
  },
  superHandsOutThis: {
    setup:
      "const held_$: unknown[] = [];\nconst m_$ = { 0: 2, reg(): void { held_$.push(super.valueOf()); } };",
    touch: "m_$[0] = 5;",
  },
  functionGivenToConstructor: {
    setup:
      "const held_$: unknown[] = [];\nfunction leak_$(this: unknown): void { held_$.push(this); }\nclass C_$ { 0 = 2; constructor(public reg: (this: C_$) => void) {} }\nconst c_$ = new C_$(leak_$);",
    touch: "c_$[0] = 5;",
  },
  spreadHidingMethod: {
    setup:
      "const held_$: unknown[] = [];\nconst full_$ = { leak(): void { held_$.push(this); } };\nconst proto_$: {} = full_$;\nconst m_$ = { 0: 2, ...proto_$ };",
    touch: "m_$[0] = 5;",
  },
  thisOfGetterFunction: {
    setup:
      "const held_$: unknown[] = [];\nfunction leak_$(this: unknown): void { held_$.push(this); }\nconst m_$ = { 0: 2, get reg(): (this: unknown) => void { return leak_$; } };",
    touch: "m_$[0] = 5;",
  },
  parenthesizedEval: {
    setup:
      'const m_$: number[] = [2];\nexport const alias_$: number[] = (eval)("m_$");',
    touch: "m_$[0] = 5;",
  },
  // Round 10.
  prototypeOfInstance: {
    setup:
      "const held_$: unknown[] = [];\nclass Leaky_$ { reg(): void { held_$.push(this); } }\nclass C_$ { 0 = 2; }\nObject.setPrototypeOf(Object.getPrototypeOf(new C_$()), Leaky_$.prototype);\nconst c_$ = new C_$();",
    touch: "c_$[0] = 5;",
  },
  prototypeOfAlias: {
    setup:
      "const held_$: unknown[] = [];\nclass Leaky_$ { reg(): void { held_$.push(this); } }\nclass C_$ { 0 = 2; }\nconst K_$ = C_$;\nObject.assign(K_$.prototype, { reg: Leaky_$.prototype.reg });\nconst c_$ = new C_$();",
    touch: "c_$[0] = 5;",
  },
  // (A change to `Array.prototype` itself is TS96009: generated code
  // relies on the standard arrays.)
  arrayPrototypeChanged: {
    setup:
      "const held_$: unknown[] = [];\nclass Leaky_$ { reg(): void { held_$.push(this); } }\nObject.assign(Object.prototype, { reg: Leaky_$.prototype.reg });\nconst c_$ = [2];",
    touch: "c_$[0] = 5;",
  },
  functionAssignedToField: {
    setup:
      "const held_$: unknown[] = [];\nfunction leak_$(this: unknown): void { held_$.push(this); }\nclass C_$ { 0 = 2; reg: (this: C_$) => void; constructor() { this.reg = leak_$; } }\nconst c_$ = new C_$();",
    touch: "c_$[0] = 5;",
  },
  transferThroughGlobalThis: {
    setup: "let saved_$ = new Float64Array([2]);",
    touch: "globalThis.structuredClone(0, { transfer: [saved_$.buffer] });",
  },
  transferBySpread: {
    setup: "let saved_$ = new Float64Array([2]);",
    touch:
      "const args: [number, StructuredSerializeOptions] = [0, { transfer: [saved_$.buffer] }]; structuredClone(...args);",
  },
  callbackTypedFunction: {
    setup:
      "const data_$: number[] = [2];\nfunction writer_$(): void { data_$[0] = 5; }\nconst g_$: Function = writer_$;",
    touch: "Reflect.apply(g_$, undefined, []);",
    read: "data_$[0]!",
  },
  callbackTypedAny: {
    setup:
      "const data_$: number[] = [2];\nfunction writer_$(): void { data_$[0] = 5; }\nconst g_$: any = writer_$;",
    touch: "[0].forEach(g_$);",
    read: "data_$[0]!",
  },
  callbacksBySpread: {
    setup:
      "const data_$: number[] = [2];\nfunction writer_$(): void { data_$[0] = 5; }",
    touch: "const fns: [() => void] = [writer_$]; [0].forEach(...fns);",
    read: "data_$[0]!",
  },
  callbacksInArrayArgument: {
    setup:
      "const data_$: number[] = [2];\nfunction writer_$(): void { data_$[0] = 5; }",
    touch: "const a = [0]; a.forEach.apply(a, [writer_$]);",
    read: "data_$[0]!",
  },
  methodTypedEmptyObject: {
    setup:
      "const data_$: number[] = [2];\nfunction writer_$(): void { data_$[0] = 5; }\nconst hidden_$: {} = writer_$;\ninterface Getter_$ { get(): void }\nclass Quiet_$ { get(): void {} }\nconst obj_$: Getter_$ = Object.assign(new Quiet_$(), { get: hidden_$ });",
    touch: "obj_$.get();",
    read: "data_$[0]!",
  },
  // A local matrix's rows may be another's arrays.
  rowOfLocalMatrixStoredFromOutside: {
    setup: "const data_$: number[] = [2];",
    touch:
      "const rows = [[0, 0]]; rows[0] = data_$; for (const r of rows) r[0] = 5;",
    read: "data_$[0]!",
  },
  // Round 14.
  libraryFunctionAsCallback: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }",
    touch: "[poke_$].forEach(Array.prototype.forEach, [0]);",
    read: "data_$[0]!",
  },
  objectWithFunctionGivenByName: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\nconst source_$ = { start: poke_$ };",
    touch: "void new ReadableStream(source_$);",
    read: "data_$[0]!",
  },
  objectWithMethodGivenByName: {
    setup:
      "const data_$: number[] = [2];\nconst source_$ = { start(): void { data_$[0] = 5; } };",
    touch: "void new ReadableStream(source_$);",
    read: "data_$[0]!",
  },
  parsedWithReviver: {
    setup: "const data_$: number[] = [2];",
    touch:
      'const c: number[][] = JSON.parse("[0]", (k, v) => (k === "0" ? data_$ : v)); c[0]![0] = 5; const d: number[] = JSON.parse("[0]", () => data_$); d[0] = 5;',
    read: "data_$[0]!",
  },
  // Round 15: methods library code runs.
  objectSpreadIntoLibraryArgument: {
    setup:
      "const data_$: number[] = [2];\nconst source_$ = { start(): void { data_$[0] = 5; } };",
    touch: "void new ReadableStream({ ...source_$ });",
    read: "data_$[0]!",
  },
  objectPassedOnByReflect: {
    setup:
      "const data_$: number[] = [2];\nconst source_$ = { start(): void { data_$[0] = 5; } };",
    touch: "Reflect.construct(ReadableStream, [source_$]);",
    read: "data_$[0]!",
  },
  classGivenToLibrary: {
    setup:
      "const data_$: number[] = [2];\nclass Src_$ { static start(): void { data_$[0] = 5; } }",
    touch: "void new ReadableStream(Src_$);",
    read: "data_$[0]!",
  },
  objectUnderNarrowerType: {
    setup:
      "const data_$: number[] = [2];\nconst full_$ = { type: undefined, start(): void { data_$[0] = 5; } };\nconst src_$: { type?: undefined } = full_$;",
    touch: "void new ReadableStream(src_$);",
    read: "data_$[0]!",
  },
  librarySubclassWithoutConstructor: {
    setup:
      "const data_$: number[] = [2];\nconst source_$ = { start(): void { data_$[0] = 5; } };\nclass Stream_$ extends ReadableStream<number> {}",
    touch: "void new Stream_$(source_$);",
    read: "data_$[0]!",
  },
  libraryMethodOnProgramObject: {
    setup:
      'const data_$: number[] = [2];\nconst full_$ = { tag: "a", join(): string { data_$[0] = 5; return ""; } };\nconst src_$: { tag: string } = full_$;',
    touch: "Array.prototype.toString.call(src_$);",
    read: "data_$[0]!",
  },
  localAssignedItself: {
    setup: "const data_$: number[] = [2];",
    touch: "let t = [0]; if (data_$.length > 5) t = t; t[0] = 5;",
    read: "data_$[0]!",
  },
  // Round 16.
  librarySubclassOverride: {
    setup:
      "const data_$: number[] = [2];\nclass MyMap_$ extends Map<string, number> { override get(k: string): number | undefined { data_$[0] = 5; return super.get(k); } }\nconst m_$: Map<string, number> = new MyMap_$();",
    touch: 'm_$.get("a");',
    read: "data_$[0]!",
  },
  librarySubclassSlice: {
    setup:
      "const data_$: number[] = [2];\nclass MyArr_$ extends Array<number> { override slice(): number[] { return data_$; } }\nconst a_$: number[] = new MyArr_$();",
    touch: "const t = a_$.slice(); t[0] = 5;",
    read: "data_$[0]!",
  },
  prototypeByDestructuring: {
    setup:
      "const data_$: number[] = [2];\nconst { prototype: proto_$ } = Array;\nexport function leak_$(): void { proto_$[7] = data_$; }",
    touch: "const rows: number[][] = []; rows[7]![0] = 5;",
    read: "data_$[0]!",
  },
  prototypeByElement: {
    setup:
      'const data_$: number[] = [2];\nconst A_$: { prototype: unknown[] } = Array;\nexport function leak_$(): void { A_$["prototype"][7] = data_$; }',
    touch: "const rows: number[][] = []; rows[7]![0] = 5;",
    read: "data_$[0]!",
    changesGlobal: "Array",
  },
  objectTypedByLibraryHandedOn: {
    setup:
      "const data_$: number[] = [2];\nconst source_$: UnderlyingDefaultSource<number> = { start(): void { data_$[0] = 5; } };",
    touch: "Reflect.construct(ReadableStream, [source_$]);",
    read: "data_$[0]!",
  },
  objectsInArrayHandedOn: {
    setup:
      "const data_$: number[] = [2];\nconst source_$ = { start(): void { data_$[0] = 5; } };\nconst args_$ = [source_$];",
    touch: "Reflect.construct(ReadableStream, args_$);",
    read: "data_$[0]!",
  },
  objectUnderNarrowerTypeHandedOn: {
    setup:
      "const data_$: number[] = [2];\nconst full_$ = { k: 1, start(): void { data_$[0] = 5; } };\nconst source_$: { k: number } = full_$;",
    touch: "Reflect.construct(ReadableStream, [source_$]);",
    read: "data_$[0]!",
  },
  // What a helper's own rows or reassigned local may hold.
  rowsGivenOutsideRow: {
    setup: "const data_$: number[] = [2];",
    touch:
      "const rows: number[][] = [[0]]; rows.push(data_$); for (const r of rows) r[0] = 5;",
    read: "data_$[0]!",
  },
  rowsHoldingOutsideRow: {
    setup: "const data_$: number[] = [2];",
    touch: "const rows = [[0], data_$]; rows[1]![0] = 5;",
    read: "data_$[0]!",
  },
  rowsFilledByCallee: {
    setup:
      "const data_$: number[] = [2];\nfunction put_$(rs: number[][]): void { rs[0] = data_$; }",
    touch: "const rows = [[0]]; put_$(rows); for (const r of rows) r[0] = 5;",
    read: "data_$[0]!",
  },
  rowsMadeByCallbackFromOutside: {
    setup: "const data_$: number[] = [2];",
    touch:
      "const rows = Array.from({ length: 2 }, (_, i) => (i > 5 ? [0] : data_$)); rows[0]![0] = 5;",
    read: "data_$[0]!",
  },
  rowVariableReassigned: {
    setup: "const data_$: number[] = [2];",
    touch: "const rows = [[0]]; for (let r of rows) { r = data_$; r[0] = 5; }",
    read: "data_$[0]!",
  },
  letReassignedToOutside: {
    setup: "const data_$: number[] = [2];",
    touch: "let t = [0]; t = data_$; t[0] = 5;",
    read: "data_$[0]!",
  },
  letDestructuredFromOutside: {
    setup: "const data_$: number[] = [2];",
    touch: "let t = [0]; [t] = [data_$]; t[0] = 5;",
    read: "data_$[0]!",
  },
  // Round 13.
  methodKeyedByShadowedSymbol: {
    setup:
      'const Symbol = { run: "run" } as const;\nconst data_$: number[] = [2];\ninterface Step_$ { run(): void }\nclass A_$ { [Symbol.run](): void { data_$[0] = 5; } }\nclass B_$ { run(): void {} }\nconst step_$: Step_$ = new A_$();',
    touch: "step_$.run();",
    read: "data_$[0]!",
  },
  methodMadeByEval: {
    setup:
      'const data_$: number[] = [2];\ninterface Cache_$ { get(k: string): number }\nclass Table_$ { get(k: string): number { return k.length; } }\nconst cache_$: Cache_$ = eval("({ get(k) { data_$[0] = 5; return k.length; } })");',
    touch: 'cache_$.get("w");',
    read: "data_$[0]!",
  },
  methodMadeByFunction: {
    setup:
      'const data_$: number[] = [2];\ninterface Cache_$ { get(k: string): number }\nclass Table_$ { get(k: string): number { return k.length; } }\nconst cache_$: Cache_$ = new Function("d", "return { get() { d[0] = 5; return 0; } }")(data_$);',
    touch: 'cache_$.get("w");',
    read: "data_$[0]!",
  },
  methodGivenByReviver: {
    setup:
      'const data_$: number[] = [2];\ninterface Cache_$ { get(k: string): number }\nclass Table_$ { get(k: string): number { return k.length; } }\nfunction poke_$(k: string): number { data_$[0] = 5; return k.length; }\nconst cache_$: Cache_$ = JSON.parse(\'{"get":0}\', (k, v) => (k === "get" ? poke_$ : v));',
    touch: 'cache_$.get("w");',
    read: "data_$[0]!",
  },
  // Round 12.
  fieldTypedFunctionInterface: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\ninterface Callable_$ extends Function {}\nclass Box_$ { get: Callable_$ = poke_$; }\nclass Quiet_$ { get(): void {} }\nconst box_$ = new Box_$();",
    touch: "box_$.get();",
    read: "data_$[0]!",
  },
  callbackTypedFunctionInterface: {
    setup:
      "const data_$: number[] = [2];\nfunction poke_$(): void { data_$[0] = 5; }\ninterface Callable_$ extends Function {}\nconst cb_$: Callable_$ = poke_$;",
    touch: "Reflect.apply(cb_$, undefined, []);",
    read: "data_$[0]!",
  },
  // Round 11.
  namespaceAsObject: {
    setup:
      "const data_$: number[] = [2];\nnamespace Store_$ { export function get(): number { data_$[0] = 5; return 0; } }\ninterface Getter_$ { get(): number }\nclass Quiet_$ { get(): number { return 0; } }",
    touch: "const g: Getter_$ = Store_$; g.get();",
    read: "data_$[0]!",
  },
  libraryFunctionByCall: {
    setup: "const data_$: number[] = [2];",
    touch: "Object.assign.call([], data_$, [5]);",
    read: "data_$[0]!",
  },
  entriesUnderAnotherName: {
    setup:
      'const data_$: number[] = [2];\ninterface Runner_$ { get(): void }\nclass Quiet_$ { get(): void {} }\nconst { fromEntries } = Object;\nconst entries_$: Iterable<readonly any[]> = [["get", function (): void { data_$[0] = 5; }]];\nconst ext_$: Runner_$ = fromEntries(entries_$);',
    touch: "ext_$.get();",
    read: "data_$[0]!",
  },
};

/** Writes that cannot reach anything the marked function reads. */
const harmless: Record<string, Case> = {
  freshLocal: { touch: "const t: number[] = [0, 0]; t[1] = 2; t.push(3);" },
  freshLet: { touch: "let t = new Float64Array(2); t[0] = 1;" },
  privateArray: {
    setup: "const h_$: number[] = [];",
    touch: "h_$.push(1); h_$[0] = 2; h_$.length = 0;",
  },
  privateObject: { setup: "const st_$ = { n: 0 };", touch: "st_$.n++;" },
  // Functions written in place, and spread data, give the object no
  // other name; a library array runs no program setter.
  privateLiteralWithArrow: {
    setup: "const m_$ = { 0: 2, f: (): number => 1 };",
    touch: "m_$[0] = 5;",
  },
  privateArrayWithSpreadNumbers: {
    setup: "const base_$ = [1];\nconst m_$ = [2, ...base_$];",
    touch: "m_$[0] = 5;",
  },
  privateArrayWhereSettersExist: {
    setup:
      "const h_$: number[] = [];\nexport class S_$ { set length(_n: number) {} }",
    touch: "h_$.push(1);",
  },
  constructorThis: {
    setup: "class P_$ { v: number[]; constructor() { this.v = [0]; } }",
    touch: "new P_$();",
  },
  helperWritesFreshArgument: {
    setup: "function first_$(a: number[]): void { a[0] = 1; }",
    touch: "const t: number[] = [0]; first_$(t);",
  },
  libraryCalls: { touch: "Math.max(1, 2); JSON.stringify([1]);" },
  freshReceivers: {
    touch: "const n = new Array(3).fill(0).length; [3, 1, 2].sort(); n;",
  },
  methodReplacesOwnField: {
    setup:
      "class Box_$ { v: number[] = [0]; replace(): void { this.v = [1]; } }\nconst box_$ = new Box_$();",
    touch: "box_$.replace();",
  },
  seededGenerator: {
    setup:
      "class Rng_$ { s = 1; next(): number { this.s = (this.s * 16807) % 2147483647; return this.s; } }\nconst rng_$ = new Rng_$();",
    touch: "rng_$.next();",
  },
  outerNumber: { setup: "let count_$ = 0;", touch: "count_$++;" },
  memoCache: {
    setup: "const cache_$ = new Map<string, number>();",
    touch: 'cache_$.set("k", (cache_$.get("k") ?? 0) + 1);',
  },
  ownRows: {
    touch:
      "const rows = [[0, 0], [0, 0]]; for (const r of rows) r[0] = 1; rows[1]![1] = rows.length;",
  },
  ownRowsPushed: {
    touch:
      "const rows: number[][] = []; for (let i = 0; i < 2; i++) rows.push([i, 0]); for (const r of rows) r[1] = r[0]! * 2;",
  },
  ownRowNamed: {
    touch: "const rows = [[0]]; const row = rows[0]!; row[0] = 3;",
  },
  ownRowsMadeByCallbacks: {
    touch:
      "const rows = Array.from({ length: 2 }, () => [0, 0]); rows[0]![0] = 5; const cols = [1, 2].map(() => new Array<number>(2).fill(0)); for (const c of cols) c[0] = 5;",
  },
  letReassignedFresh: {
    touch: "let t = [0, 0]; if (t.length > 1) t = [1, 2, 3]; t[0] = 5;",
  },
  librarySubclassNewMethod: {
    setup:
      "class Vec_$ extends Float64Array { get(i: number): number { return this[i]!; } }\nconst cache_$ = new Map<string, number>();",
    touch: 'cache_$.get("k"); new Vec_$(2).get(0);',
  },
  objectStringified: {
    setup:
      "const data_$: number[] = [2];\nconst state_$ = { n: 1, bump(): void { data_$[0] = 5; } };",
    touch: "console.log(JSON.stringify(state_$));",
    read: "data_$[0]!",
  },
  objectLogged: {
    setup:
      "const data_$: number[] = [2];\nclass Model_$ { step(): void { data_$[0] = 5; } }\nconst model_$ = new Model_$();",
    touch: 'console.log("model", model_$);',
    read: "data_$[0]!",
  },
  parsedCopy: {
    touch:
      'const c: number[] = JSON.parse("[1, 2]"); c[0] = 5; const p = "a,b".split(","); p[0] = "c";',
  },
  privateArrayCopiedAndIterated: {
    setup:
      "const h_$: number[] = [];\nexport type H_$ = typeof h_$;\nexport function copy_$(): number[] { return h_$.slice(); }\nexport function total_$(): number { let t = 0; for (const v of h_$) t += v; return t; }",
    touch: "h_$.push(1);",
  },
};

function caseModule(name: string, { setup = "", touch, read = "1" }: Case) {
  // `$` is the case's name; `${` stays a template's.
  const named = (code: string) => code.replace(/\$(?!\{)/g, name);
  return `${named(setup)}
function touch_${name}(): void {
  ${named(touch)}
}
/** @differentiable */
export function read_${name}(x: number[]): number {
  const y = x[0]! * x[0]!;
  touch_${name}();
  return y * x[0]! * ${named(read)};
}
`;
}

let flagged: Map<string, string>;

/**
 * Compiles each module in a program of its own (what one case's code
 * does, an `eval` or a decorator, may change what tsad trusts in the
 * whole module or program) and notes the messages of the marked
 * functions tsad rejects, by their names without `read_`.
 */
async function flag(modules: Record<string, string>): Promise<void> {
  const dir = path.join(repoRoot, ".tmp/hidden-writes/cases");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(modules)) {
    const file = path.join(dir, `${name}.ts`);
    fs.writeFileSync(file, source);
    const { diagnostics } = await transformedSource([file], file);
    for (const d of diagnostics) {
      const context = String(d.relatedInformation?.[0]?.messageText);
      const fn = /when differentiating 'read_(\w+)'/.exec(context)?.[1];
      expect(fn, String(d.messageText)).toBeDefined();
      const changed = reaching[fn!]?.changesGlobal !== undefined;
      expect(d.code, String(d.messageText)).toBe(changed ? 96009 : 96018);
      flagged.set(fn!, String(d.messageText));
    }
  }
}

beforeAll(async () => {
  flagged = new Map();
  const cases = { ...reaching, ...harmless };
  await flag({
    ...Object.fromEntries(
      Object.entries(cases).map(([name, c]) => [name, caseModule(name, c)]),
    ),
    // A method call's receiver picks the method; it is not a read.
    receiverOnly: `class Log { values: number[] = []; add(v: number): void { this.values.push(v); } }
const log = new Log();
/** @differentiable */
export function read_receiverOnly(x: number): number {
  log.add(1);
  return x * x;
}
`,
    // A string's `match` and `replace` set a regular expression's
    // `lastIndex`.
    regexIndex: `const re = /a/g;
function matchIt(): void { "aaa".match(re); }
/** @differentiable */
export function read_regexMatch(x: number): number {
  const y = x * re.lastIndex;
  matchIt();
  return y * re.lastIndex;
}
const sticky = /a/y;
function replaceIt(): void { "aaa".replace(sticky, "b"); }
/** @differentiable */
export function read_regexReplace(x: number): number {
  const y = x * sticky.lastIndex;
  replaceIt();
  return y * sticky.lastIndex;
}
`,
    libraryObjectNumberField: `declare global { interface JSON { n: number } }
JSON.n = 2;
function setJsonNumber(): void { JSON.n = 5; }
/** @differentiable */
export function read_libraryObjectNumberField(x: number): number {
  const y = x * JSON.n;
  setJsonNumber();
  return y * JSON.n;
}
`,
    // A getter reads what tsad does not follow: a module's own array.
    getterRead: `const data: number[] = [2];
const cfg = { get w(): number { return data[0]!; } };
function setData(): void { data[0] = 5; }
/** @differentiable */
export function read_getterRead(x: number): number {
  const y = x * cfg.w;
  setData();
  return y * cfg.w;
}
`,
    // A getter of the program's named \`length\` is no array's.
    getterNamedLength: `export class Vec { get length(): number { return 3; } }
const hist: number[] = [];
function log(v: number): void { hist.push(v); }
/** @differentiable */
export function read_arrayLength(x: number): number {
  const a = [x, 2 * x];
  log(1);
  return x * a.length;
}
`,
    // Calls the marked function makes itself, in a callback and through
    // one: they are read too.
    others: `let saved: number[] = [];
function keep(a: number[]): void { saved = a; }
function pokeSaved(): number { saved[0] = 5; return 0; }
/** @differentiable */
export function read_arrayFromCallback(x: number): number {
  const a: number[] = [2];
  keep(a);
  const y = x * a[0]!;
  const t: number[] = Array.from({ length: 1 }, () => pokeSaved());
  return y * a[0]! + t[0]!;
}
const { destructured } = { destructured: [2] };
function pokeDestructured(): void { destructured[0] = 5; }
/** @differentiable */
export function read_destructuredModuleConst(x: number): number {
  const y = x * destructured[0]!;
  pokeDestructured();
  return y * destructured[0]!;
}
let held: number[] = [0];
function hold(a: number[]): void { held = a; }
function pokeHeld(): void { held[0] = 5; }
/** @differentiable */
export function read_keptThroughCall(x: number): number {
  const a: number[] = [2];
  hold.call(undefined, a);
  const y = x * a[0]!;
  pokeHeld();
  return y * a[0]!;
}
class Constants { static k = 2; }
function setConstant(): void { Constants.k = 5; }
/** @differentiable */
export function read_classStatic(x: number): number {
  const y = x * Constants.k;
  setConstant();
  return y * Constants.k;
}
namespace N { export class K { static w: number[] = [2]; } }
function setNamespaced(): void { N.K.w[0] = 5; }
/** @differentiable */
export function read_namespacedStatic(x: number): number {
  const w = N.K.w;
  const y = x * w[0]!;
  setNamespaced();
  return y * w[0]!;
}
class Wrapped { static w: number[] = [2]; }
function setWrapped(): void { Wrapped.w[0] = 5; }
/** @differentiable */
export function read_wrappedStatic(x: number): number {
  const w = (Wrapped).w;
  const y = x * w[0]!;
  setWrapped();
  return y * w[0]!;
}
enum Level { A = 2 }
function setLevel(): void { Object.assign(Level, { A: 5 }); }
/** @differentiable */
export function read_enumMember(x: number): number {
  const y = x * Level.A;
  setLevel();
  return y * Level.A;
}
namespace Consts { export const k = 2; }
function setConsts(): void { Object.assign(Consts, { k: 5 }); }
/** @differentiable */
export function read_namespaceConst(x: number): number {
  const y = x * Consts.k;
  setConsts();
  return y * Consts.k;
}
class Holder { static w: number[] = [2]; }
function setHolder(): void { Holder.w[0] = 5; }
/** @differentiable */
export function read_classAlias(x: number): number {
  const H = Holder;
  const a = H.w;
  const y = x * a[0]!;
  setHolder();
  return y * a[0]!;
}
let anyShared: number[] = [2];
function getAny(): any { return anyShared; }
function setAny(): void { anyShared[0] = 5; }
/** @differentiable */
export function read_anyResult(x: number): number {
  const a: number[] = getAny();
  const y = x * a[0]!;
  setAny();
  return y * a[0]!;
}
/** @differentiable */
export function read_unknownParameter(x: number, w: unknown): number {
  const a = w as number[];
  const y = x * a[0]!;
  setAny();
  return y * a[0]!;
}
declare global {
  var arr: number[];
  var kept: number[] | undefined;
  interface JSON { w: number[] }
}
function setKept(): void { if (globalThis.kept) globalThis.kept[0] = 5; }
/** @differentiable */
export function read_keptByLibrary(x: number): number {
  const a = [2];
  Reflect.set(globalThis, "kept", a);
  const y = x * a[0]!;
  setKept();
  return y * a[0]!;
}
globalThis.arr = [2];
function setArr(): void { globalThis.arr[0] = 5; }
/** @differentiable */
export function read_libraryResult(x: number): number {
  const a: number[] = Reflect.get(globalThis, "arr");
  const y = x * a[0]!;
  setArr();
  return y * a[0]!;
}
JSON.w = [2];
function setJsonField(): void { JSON.w[0] = 5; }
/** @differentiable */
export function read_libraryObjectField(x: number): number {
  const a = JSON.w;
  const y = x * a[0]!;
  setJsonField();
  return y * a[0]!;
}
let shared: number[] = [2];
function setShared(): void { shared[0] = 5; }
/** @differentiable */
export function read_genericParameter<T extends number[]>(x: number, w: T): number {
  const y = x * w[0]!;
  setShared();
  return y * w[0]!;
}
function tuned(): void {}
tuned.k = 2;
function setTuned(): void { tuned.k = 5; }
/** @differentiable */
export function read_functionProperty(x: number): number {
  const y = x * tuned.k;
  setTuned();
  return y * tuned.k;
}
const scaled = (v: number): number => v * scaled.k;
scaled.k = 2;
function setScaled(): void { scaled.k = 5; }
/** @differentiable */
export function read_constFunctionField(x: number): number {
  const y = x * scaled.k;
  setScaled();
  return y * scaled.k;
}
const scale: number[] = [2];
function pokeScale(): void { scale[0] = 5; }
/** @differentiable */
export function scaled_default(t: number, d: number = scale[0]!): number { return t * d; }
/** @differentiable */
export function read_markedCalleeDefault(x: number): number {
  const z = scaled_default(x);
  pokeScale();
  return z * x;
}
const text: number[] = [2];
function pokeText(): string { text[0] = 5; return "b"; }
/** @differentiable */
export function read_libraryCallback(x: number): number {
  const y = x * text[0]!;
  const s = "a".replace("a", pokeText);
  return y * text[0]! * s.length;
}
`,
  });
}, 240_000);

describe("an unmarked call in a function that reads an array parameter", () => {
  it.each(Object.keys(reaching))("is rejected when it writes: %s", (name) => {
    const changed = reaching[name]!.changesGlobal;
    expect(flagged.get(name)).toContain(
      changed === undefined
        ? `'touch_${name}' is not marked`
        : `This program changes the global '${changed}'`,
    );
  });

  it.each(Object.keys(harmless))("is accepted when it writes: %s", (name) => {
    expect(flagged.has(name)).toBe(false);
  });

  it("is accepted in a function that reads no array", () => {
    expect(flagged.has("receiverOnly")).toBe(false);
  });

  it("is rejected where a scalar function reads what the call reaches", () => {
    expect(flagged.get("destructuredModuleConst")).toContain(
      "'pokeDestructured' is not marked",
    );
    expect(flagged.get("keptThroughCall")).toContain(
      "'pokeHeld' is not marked",
    );
  });

  it("is rejected where the function reads a class's or a function's field", () => {
    expect(flagged.get("classStatic")).toContain("'setConstant' is not marked");
    expect(flagged.get("functionProperty")).toContain(
      "'setTuned' is not marked",
    );
    expect(flagged.get("constFunctionField")).toContain(
      "'setScaled' is not marked",
    );
    expect(flagged.get("namespacedStatic")).toContain(
      "'setNamespaced' is not marked",
    );
    expect(flagged.get("wrappedStatic")).toContain(
      "'setWrapped' is not marked",
    );
  });

  it("is rejected where the function reads a parameter of a generic array type", () => {
    expect(flagged.get("genericParameter")).toContain(
      "'setShared' is not marked",
    );
  });

  it("is rejected where the function reads an enum's or a namespace's member, or a class under another name", () => {
    expect(flagged.get("enumMember")).toContain("'setLevel' is not marked");
    expect(flagged.get("namespaceConst")).toContain(
      "'setConsts' is not marked",
    );
    expect(flagged.get("classAlias")).toContain("'setHolder' is not marked");
  });

  it("is rejected where the function reads what a library call returns, or a field added to a library object", () => {
    expect(flagged.get("libraryResult")).toContain("'setArr' is not marked");
    expect(flagged.get("libraryObjectField")).toContain(
      "'setJsonField' is not marked",
    );
  });

  it("is rejected where the function hands an array to a library call that keeps it", () => {
    // Where it writes what it keeps it into: `globalThis`.
    expect(flagged.get("keptByLibrary")).toContain(
      "'Reflect.set' is not marked",
    );
  });

  it("is rejected where the function reads a value typed any or unknown", () => {
    expect(flagged.get("anyResult")).toContain("'setAny' is not marked");
    expect(flagged.get("unknownParameter")).toContain("'setAny' is not marked");
  });

  it("is rejected where a marked callee's parameter default reads what the call reaches", () => {
    expect(flagged.get("markedCalleeDefault")).toContain(
      "'pokeScale' is not marked",
    );
  });

  it("is rejected where the function reads what a string method, a program's field of a library object or a getter may change", () => {
    expect(flagged.get("regexMatch")).toContain("'matchIt' is not marked");
    expect(flagged.get("regexReplace")).toContain("'replaceIt' is not marked");
    expect(flagged.get("libraryObjectNumberField")).toContain(
      "'setJsonNumber' is not marked",
    );
    expect(flagged.get("getterRead")).toContain("'setData' is not marked");
  });

  it("is accepted where a program getter is named like an array's length", () => {
    expect(flagged.has("arrayLength")).toBe(false);
  });

  it("is rejected in a callback the marked function passes", () => {
    expect(flagged.get("arrayFromCallback")).toContain("'pokeSaved'");
    expect(flagged.get("libraryCallback")).toContain("changes 'text'");
  });
});

/**
 * Programs of several files, each compiled on its own: data a default
 * export holds, data and classes the program's own declaration files
 * declare (which are not the library's).
 */
const pkg = (declaration: string, code: string) => ({
  "node_modules/pkg/package.json":
    '{ "name": "pkg", "type": "module", "types": "index.d.ts" }',
  "node_modules/pkg/index.d.ts": declaration,
  "node_modules/pkg/index.js": code,
});

const projects: Record<string, Record<string, string>> = {
  packageNamespaceAsObject: {
    ...pkg(
      "export declare function get(a: number[]): void;",
      "export function get(a) { a[0] = 5; }",
    ),
    "main.ts": `import * as p from "pkg";
interface Getter { get(a: number[]): void }
class Quiet { get(_a: number[]): void {} }
const obj: Getter = p;
const w: number[] = [2];
function touch(): void { obj.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageClassUnderProgramType: {
    ...pkg(
      "export declare class Writer { run(a: number[]): void; }",
      "export class Writer { run(a) { a[0] = 5; } }",
    ),
    "main.ts": `import { Writer } from "pkg";
interface Runner { run(a: number[]): void }
class Quiet { run(_a: number[]): void {} }
const w: number[] = [2];
function touch(): void { const r: Runner = new Writer(); r.run(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageNamespaceReexported: {
    ...pkg(
      "export declare function get(a: number[]): number;",
      "export function get(a) { a[0] = 5; return 0; }",
    ),
    "re.ts": 'export * as pkgns from "pkg";',
    "main.ts": `import { pkgns } from "./re.js";
interface Getter { get(a: number[]): number }
class Quiet { get(_a: number[]): number { return 0; } }
const g: Getter = pkgns;
const w: number[] = [2];
function touch(): void { g.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageConstructorWritesArgument: {
    ...pkg(
      "export declare class Filler { constructor(a: number[]); }",
      "export class Filler { constructor(a) { a[0] = 5; } }",
    ),
    "main.ts": `import { Filler } from "pkg";
const w: number[] = [2];
function touch(): void { new Filler(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageFunctionReaderName: {
    ...pkg(
      "export declare function values(a: number[]): void;",
      "export function values(a) { a[0] = 5; }",
    ),
    "main.ts": `import { values } from "pkg";
const w: number[] = [2];
function touch(): void { [w].forEach(values); values.call(undefined, w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  moduleFunctionAsMethod: {
    "impl.ts":
      "export const w: number[] = [2];\nexport function get(): void { w[0] = 5; }",
    "main.ts": `import * as impl from "./impl.js";
import { w } from "./impl.js";
interface Getter { get(): void }
class Quiet { get(): void {} }
const r: Getter = impl;
function touch(): void { r.get(); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  // Round 14: a package's object from a factory, a field, a dynamic
  // import; code the program only declares.
  packageObjectFromFactory: {
    ...pkg(
      "export interface G { get(a: number[]): number }\nexport declare function make(): G;",
      "export function make() { return { get(a) { a[0] = 5; return 0; } }; }",
    ),
    "main.ts": `import { make } from "pkg";
interface Getter { get(a: number[]): number }
class Quiet { get(_a: number[]): number { return 0; } }
void Quiet;
const h: Getter = make();
const w: number[] = [2];
function touch(): void { h.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageObjectInField: {
    ...pkg(
      "export declare const tools: { inner: { get(a: number[]): number } };",
      "export const tools = { inner: { get(a) { a[0] = 5; return 0; } } };",
    ),
    "main.ts": `import { tools } from "pkg";
interface Getter { get(a: number[]): number }
class Quiet { get(_a: number[]): number { return 0; } }
void Quiet;
const h: Getter = tools.inner;
const w: number[] = [2];
function touch(): void { h.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageDynamicImport: {
    ...pkg(
      "export declare function get(a: number[]): number;",
      "export function get(a) { a[0] = 5; return 0; }",
    ),
    "main.ts": `interface Getter { get(a: number[]): number }
class Quiet { get(_a: number[]): number { return 0; } }
void Quiet;
const p = await import("pkg");
const h: Getter = p;
const w: number[] = [2];
function touch(): void { h.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  declaredClass: {
    "node_modules/pkg/index.js":
      "export class W { constructor(a) { a[0] = 5; } }",
    "ambient.ts":
      'declare module "pkg" { export class W { constructor(a: number[]); } }',
    "main.ts": `import { W } from "pkg";
const w: number[] = [2];
function touch(): void { new W(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  declaredModuleFunction: {
    "node_modules/pkg/index.js":
      "export function get(a) { a[0] = 5; return 0; }",
    "ambient.ts":
      'declare module "pkg" { export function get(a: number[]): number; }',
    "main.ts": `import * as v from "pkg";
interface Getter { get(a: number[]): number }
class Quiet { get(_a: number[]): number { return 0; } }
void Quiet;
const h: Getter = v;
const w: number[] = [2];
function touch(): void { h.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  declaredGlobal: {
    "node_modules/pkg/index.js":
      "globalThis.hooks = { get(a) { a[0] = 5; return 0; } };",
    "globals.ts": "declare const hooks: { get(a: number[]): number };",
    "main.ts": `import "pkg";
class Quiet { get(_a: number[]): number { return 0; } }
void Quiet;
const w: number[] = [2];
function touch(): void { hooks.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  // Round 15.
  packageSubclassWithoutConstructor: {
    ...pkg(
      "export declare class Base { constructor(a: number[]); }",
      "export class Base { constructor(a) { a[0] = 5; } }",
    ),
    "main.ts": `import { Base } from "pkg";
class Mine extends Base {}
const w: number[] = [2];
function touch(): void { new Mine(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageObjectUnderGenericType: {
    ...pkg(
      "export declare function make<T>(): T;",
      "export function make() { return { get(a) { a[0] = 5; return 0; } }; }",
    ),
    "main.ts": `import { make } from "pkg";
interface Getter { get(a: number[]): number }
const quiet: Getter = { get(_a: number[]): number { return 0; } };
void quiet;
const w: number[] = [2];
function touch(): void { make<Getter>().get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageFunctionGivenThis: {
    ...pkg(
      "export declare function get(this: { a: number[] }): number;",
      "export function get() { this.a[0] = 5; return 0; }",
    ),
    "main.ts": `import { get } from "pkg";
const w: number[] = [2];
const holder = { a: w };
function touch(): void { get.call(holder); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  // Round 16.
  packageObjectInArrayResult: {
    ...pkg(
      "export declare function makeList<T>(): T[];",
      "const g = { get(a) { a[0] = 5; return 0; } };\nexport function makeList() { return [g]; }",
    ),
    "main.ts": `import { makeList } from "pkg";
interface Getter { get(a: number[]): number }
const quiet: Getter = { get(_a: number[]): number { return 0; } };
void quiet;
const w: number[] = [2];
function touch(): void { const [g] = makeList<Getter>(); g!.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageObjectInGenericField: {
    ...pkg(
      "export declare class Box<T> { value: T; }",
      "const g = { get(a) { a[0] = 5; return 0; } };\nexport class Box { constructor() { this.value = g; } }",
    ),
    "main.ts": `import { Box } from "pkg";
interface Getter { get(a: number[]): number }
const quiet: Getter = { get(_a: number[]): number { return 0; } };
void quiet;
const w: number[] = [2];
function touch(): void { new Box<Getter>().value.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageObjectFromTag: {
    ...pkg(
      "export declare function tag<T>(s: TemplateStringsArray): T;",
      "const g = { get(a) { a[0] = 5; return 0; } };\nexport function tag() { return g; }",
    ),
    "main.ts": `import { tag } from "pkg";
interface Getter { get(a: number[]): number }
const quiet: Getter = { get(_a: number[]): number { return 0; } };
void quiet;
const w: number[] = [2];
function touch(): void { tag<Getter>\`x\`.get(w); }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  packageData: {
    "node_modules/pkgdata/index.d.ts": "export declare const w: number[];",
    "main.ts": `import { w } from "pkgdata";
function touch(): void { w[0] = 5; }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  defaultExport: {
    "other.ts": "export default [2] as number[];",
    "main.ts": `import w from "./other.js";
function touch(): void { w[0] = 5; }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  dataInDeclarationFile: {
    "lib.d.ts": "export declare const w: number[];",
    "main.ts": `import { w } from "./lib.js";
function touch(): void { w[0] = 5; }
/** @differentiable */
export function f(x: number): number { const y = x * w[0]!; touch(); return y * w[0]!; }`,
  },
  globalInDeclarationFile: {
    "globals.d.ts": "declare var saved: number[];",
    "main.ts": `const data: number[] = [2];
globalThis.saved = data;
function touch(): void { saved.fill(5); }
/** @differentiable */
export function f(x: number[]): number { const y = x[0]! * data[0]!; touch(); return y * data[0]!; }`,
  },
  classAugmentedInDeclarationFile: {
    "other.ts": `export const data: number[] = [2];
export class Poker { constructor() { data[0] = 5; } }`,
    "augment.d.ts": `import "./other.js";
declare module "./other.js" { interface Poker { tag?: string } }`,
    "main.ts": `import { data, Poker } from "./other.js";
function touch(): void { new Poker(); }
/** @differentiable */
export function f(x: number[]): number { const y = x[0]! * data[0]!; touch(); return y * data[0]!; }`,
  },
};

/** The diagnostics of a project of `files`, written to `.tmp/hidden-writes/<name>`, its `main.ts` transformed. */
async function projectDiagnostics(
  name: string,
  files: Readonly<Record<string, string>>,
) {
  const dir = path.join(repoRoot, ".tmp/hidden-writes", name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  const roots = Object.keys(files)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f));
  const { diagnostics } = await transformedSource(
    roots,
    path.join(dir, "main.ts"),
  );
  return diagnostics;
}

describe("an unmarked call across files", () => {
  it.each(Object.keys(projects))(
    "is rejected when it writes: %s",
    async (name) => {
      const diagnostics = await projectDiagnostics(name, projects[name]!);
      expect(diagnostics.map((d) => d.code)).toEqual([96018]);
      expect(String(diagnostics[0]!.messageText)).toContain(
        "'touch' is not marked",
      );
    },
    60_000,
  );
});

/**
 * A getter's code changes something if it assigns, calls or constructs,
 * or reads a property whose getter may (any, for a name known at run
 * time only), through its own object or another (review: a getter
 * returning `this.xs.length` was taken to change something).
 */
const getterPrograms: Record<string, { code: string; rejected: boolean }> = {
  readsLengthOfItsArray: {
    code: `class Grid { xs: number[] = [1, 2]; get size(): number { return this.xs.length; } }
export const grid = new Grid();
/** @differentiable */
export function f(x: number, g: { size: number }): number { return x * g.size; }`,
    rejected: false,
  },
  readsAChangingGetterOfAnotherObject: {
    code: `class Counter { n = 0; get count(): number { this.n += 1; return this.n; } }
class Holder { c = new Counter(); get total(): number { return this.c.count; } }
const h = new Holder();
/** @differentiable */
export function f(x: number): number { return x * h.total; }`,
    rejected: true,
  },
  readsAnElementNamedAtRunTime: {
    code: `class Counter { n = 0; get count(): number { this.n += 1; return this.n; } }
export const counter = new Counter();
class Picker { xs: number[] = [1, 2]; i = 0; get picked(): number { return this.xs[this.i]!; } }
const p = new Picker();
/** @differentiable */
export function f(x: number): number { return x * p.picked; }`,
    rejected: true,
  },
};

describe("a getter a marked function may run", () => {
  it.each(Object.keys(getterPrograms))(
    "is taken to change something only where it may: %s",
    async (name) => {
      const diagnostics = await projectDiagnostics(`getters/${name}`, {
        "main.ts": getterPrograms[name]!.code,
      });
      expect(diagnostics.map((d) => d.code)).toEqual(
        getterPrograms[name]!.rejected ? [96018] : [],
      );
    },
    60_000,
  );
});
