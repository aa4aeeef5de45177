// The error of a volume that cannot be set up: the pod gets a FailedMount event and stays
// waiting (its containers are not started), unlike an unexpected error.
export class VolumeError extends Error {}
