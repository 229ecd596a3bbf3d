// What the API answers, as the pages read it (docs: /api/openapi.json).
export interface Brief {
  id: string;
  code?: string;
  name: string;
}

export interface Cell {
  dataElement: string;
  categoryOptionCombo: string;
  version: number;
  value: string | null;
  comment: string | null;
  storedBy: string | null;
  lastUpdated: string | null;
  compared?: string | null;
}

export interface FormElement {
  id: string;
  code: string;
  name: string;
  valueType: string;
  categoryOptionCombos: { id: string; name: string }[];
}

export interface Form {
  dataSet: Brief;
  orgUnit: Brief;
  period: string;
  periodLabel: string;
  state: { code: string; name: string };
  comparedState?: { code: string; name: string } | null;
  editable: boolean;
  status?: string;
  dataElements: FormElement[];
  cells: Cell[];
}

export interface ReportLine {
  dataElement: string;
  name: string;
  categoryOptionCombo: string;
  declared: string | null;
  verified: string | null;
  gap: boolean;
}

export interface PeriodEvent {
  action: string;
  from: string;
  to: string;
  at: string;
  user: string;
  onBehalf: boolean;
  reason: string;
}

export interface PeriodFile {
  dataSet: Brief;
  orgUnit: Brief;
  period: string;
  periodLabel: string;
  status: string;
  statusLabel: string;
  version: number;
  due: string;
  daysLate: number;
  declaredOnBehalf: boolean;
  report: {
    verifier: string;
    verifierName: string;
    issued: string;
    contestUntil: string;
    gaps: number;
    lines: ReportLine[];
    contest: { by: string; reason: string } | null;
    answer: { by: string; reason: string } | null;
  } | null;
  invoice: string | null;
  history: PeriodEvent[];
  allowed: string[];
}

// One node of an amount's explanation (GET /api/invoices/{number}/explanation).
export interface ExplainedNode {
  name: string;
  label: string;
  period: string;
  expression: string;
  origin: string;
  display: string;
  shown: string;
  value: number;
  inputs: ExplainedNode[];
}

// An account as GET /api/users lists it.
export interface Account {
  username: string;
  name: string;
  language: string;
  disabled: boolean;
  hasPassword: boolean;
  created: string;
  roles: { role: string; scope: { kind: string; id: string; name: string }; granted: string; grantedBy: string }[];
}

// The roles an account may be given (docs/ACCESS.md), in the order forms offer them.
export const ROLES = [
  'administrator',
  'national_unit',
  'payment_officer',
  'district_team',
  'verifier',
  'quality_evaluator',
  'facility_head',
  'asaco_treasurer',
  'viewer',
] as const;
