import { NotAvailableError } from "../errors.js";

/** What `signal halt|resume|margin` would do once the coordinator has an audited operator API. */
export const OPERATOR_ACTIONS = {
  halt: "halt markets by hand",
  resume: "resume a halted market by hand",
  margin: "set margin multipliers by hand",
} as const;

/** `breakwater signal <action>`: refused with exit 4 until the coordinator offers an operator API. */
export function operatorCommand(action: keyof typeof OPERATOR_ACTIONS): never {
  throw new NotAvailableError(
    `signal ${action}: the coordinator has no operator API yet, so signals come only from its policy; nothing was sent`,
  );
}
