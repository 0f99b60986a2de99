/**
 * Tasks: what to build, as a Markdown spec and acceptance criteria with stable ids. Each edit of
 * the spec after approval is a new revision, and whatever is judged against a spec (an attempt, a
 * test result, a verification) pins the revision it was judged against.
 */
import { z } from 'zod';

/** `AC-1`, `AC-2`, …: stable within a task, so findings and evidence can point at a criterion. */
export const CRITERION_ID_PATTERN = /^AC-[1-9][0-9]*$/;

export const acceptanceCriterionSchema = z.object({
  id: z.string().regex(CRITERION_ID_PATTERN, 'A criterion id looks like AC-1.'),
  text: z.string().trim().min(1, 'A criterion needs its text.'),
});
export type AcceptanceCriterion = z.infer<typeof acceptanceCriterionSchema>;

/** A revision's criteria: ids unique within the list. */
export const acceptanceCriteriaSchema = z.array(acceptanceCriterionSchema).superRefine((criteria, ctx) => {
  const seen = new Set<string>();
  for (const [index, c] of criteria.entries()) {
    if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `${c.id} appears twice; criterion ids are unique within a task.` });
    seen.add(c.id);
  }
});
