// The Metadata API's SOAP envelopes: answers in the metadata namespace (xsi:type on records, booleans as text)
// and SOAP faults as Salesforce sends them (HTTP 500).

import { METADATA_TYPES } from './apps.js';
import { METADATA_NS, TreeValue, element } from './xml.js';

export interface SoapReply {
  status: number;
  xml: string;
  /** the operation, for the request log */
  operation?: string;
  /** metadata components created or changed */
  writes: number;
  /** the fault's code */
  errorCode?: string;
}

/** A boolean as the Metadata API writes it. */
export const bool = (v: boolean): string => (v ? 'true' : 'false');

export function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="${METADATA_NS}" xmlns:sf="${METADATA_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

/** A successful answer: `<operation>Response` with one `result` per item. */
export function respond(operation: string, results: TreeValue[], writes = 0): SoapReply {
  return {
    status: 200,
    operation,
    writes,
    xml: envelope(`<${operation}Response>${element('result', results)}</${operation}Response>`),
  };
}

/** A SOAP fault as Salesforce sends one: faultcode sf:CODE, faultstring "CODE: message", the detail element. */
export function soapFault(code: string, message: string, operation?: string, faultcode = `sf:${code}`): SoapReply {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const detail = faultcode.startsWith('sf:')
    ? `<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${esc(message)}</sf:exceptionMessage></sf:UnexpectedErrorFault></detail>`
    : '';
  const text = faultcode.startsWith('sf:') ? `${code}: ${message}` : message;
  return {
    status: 500,
    operation,
    writes: 0,
    errorCode: code,
    xml: envelope(
      `<soapenv:Fault><faultcode>${faultcode}</faultcode><faultstring>${esc(text)}</faultstring>${detail}</soapenv:Fault>`
    ),
  };
}

export const INVALID_TYPE = 'This type of metadata is not available for this organization';

/** A metadata type the emulator serves, in its own casing. */
export function typeName(raw: string): string | undefined {
  return Object.keys(METADATA_TYPES).find((t) => t.toLowerCase() === raw.trim().toLowerCase());
}
