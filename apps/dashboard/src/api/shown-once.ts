/**
 * For a mutation whose answer holds a secret shown once (an API key, a webhook's signing
 * secret): `gcTime: 0` drops the mutation, and the secret with it, from the mutation cache as
 * soon as the dialog resets it or goes away.
 */
export const shownOnce = { gcTime: 0 } as const;
