// A kubelet's error answer (plain text) as the Status kube-apiserver makes of it
// (genericrest's response checker): 400 → BadRequest with the kubelet's words, 500 →
// InternalError, anything else the generic server response for that code.

import { ApiError, type StatusReason } from '../errors.js';

const GENERIC: Record<number, [StatusReason, string]> = {
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  406: ['NotAcceptable', 'the server was unable to respond with a content type that the client supports'],
  409: ['Conflict', 'the server reported a conflict'],
  415: ['UnsupportedMediaType', 'the server was unable to respond with a content type that the client supports'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/** The Status for a kubelet's non-2xx answer `code` with body `text`, about pod `name`. */
export function kubeletErrorStatus(code: number, text: string, name: string): ApiError {
  const body = text.trim();
  if (code === 400) return new ApiError(400, 'BadRequest', body);
  if (code === 500) return new ApiError(500, 'InternalError', `Internal error occurred: ${body}`, { causes: [{ message: body }] });
  const known = GENERIC[code];
  // StatusReasonUnknown is the empty reason.
  const reason = (known ? known[0] : code >= 500 ? 'InternalError' : '') as StatusReason;
  const message = known ? known[1] : code >= 500 ? `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding` : `the server responded with the status code ${code} but did not return more information`;
  // Upstream formats "(<verb> <resource> <name>)" with an empty verb, hence the space after the parenthesis.
  return new ApiError(code, reason, `${message} ( pods/log ${name})`, { name, kind: 'pods/log' });
}
