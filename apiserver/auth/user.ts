// Who made a request, as upstream's user.Info: what authenticators produce and authorizers,
// admission and audit read.

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Every authenticated user is also in this group (upstream adds it after authentication). */
export const AUTHENTICATED_GROUP = 'system:authenticated';
/** The group whose members may do anything (upstream's superuser group). */
export const MASTERS_GROUP = 'system:masters';
