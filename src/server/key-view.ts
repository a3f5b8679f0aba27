// An access key as the admin API and the console show it: never its secret.
export const publicView = (c: { accessKey: string; owner: { id: string; displayName: string }; createdAt: number; policy?: string; disabled?: boolean }) => ({
  accessKey: c.accessKey, ownerId: c.owner.id, displayName: c.owner.displayName, createdAt: new Date(c.createdAt).toISOString(),
  ...(c.policy !== undefined ? { policy: c.policy } : {}), disabled: c.disabled === true,
});
