// The standard data objects (Account, Contact, Opportunity, Case) and the catalog that describes every object:
// EntityDefinition and EntityParticle. Each function is one object's definition (schema.ts ObjectSpec);
// standard-schema.ts puts them in the org in order.

import { ObjectSpec, ro } from './schema.js';

export function account(): ObjectSpec {
  return {
    name: 'Account',
    keyPrefix: '001',
    endpoints: { data: true, tooling: false },
    dataObject: true,
    fields: [
      { name: 'Name', type: 'string', required: true, length: 255, label: 'Account Name' },
      { name: 'Type', type: 'picklist' },
      { name: 'Industry', type: 'picklist' },
      { name: 'Phone', type: 'phone' },
      { name: 'Website', type: 'url' },
      { name: 'Description', type: 'textarea' },
      { name: 'BillingCity', type: 'string' },
      { name: 'BillingCountry', type: 'string' },
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int' },
      { name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', label: 'Owner ID' },
    ],
  };
}

export function contact(): ObjectSpec {
  return {
    name: 'Contact',
    keyPrefix: '003',
    endpoints: { data: true, tooling: false },
    dataObject: true,
    fields: [
      { name: 'FirstName', type: 'string', length: 40, label: 'First Name' },
      { name: 'LastName', type: 'string', required: true, length: 80, label: 'Last Name' },
      // Compound of FirstName and LastName, as on User.
      { name: 'Name', type: 'string', ...ro, computed: true, label: 'Full Name' },
      { name: 'Email', type: 'email' },
      { name: 'Phone', type: 'phone', label: 'Business Phone' },
      { name: 'Title', type: 'string', length: 128 },
      {
        name: 'AccountId',
        type: 'reference',
        referenceTo: ['Account'],
        relationshipName: 'Account',
        label: 'Account ID',
      },
      { name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', label: 'Owner ID' },
    ],
  };
}

export function opportunity(): ObjectSpec {
  return {
    name: 'Opportunity',
    keyPrefix: '006',
    endpoints: { data: true, tooling: false },
    dataObject: true,
    fields: [
      { name: 'Name', type: 'string', required: true, length: 120 },
      { name: 'StageName', type: 'picklist', required: true, label: 'Stage' },
      { name: 'CloseDate', type: 'date', required: true, label: 'Close Date' },
      { name: 'Amount', type: 'currency' },
      {
        name: 'AccountId',
        type: 'reference',
        referenceTo: ['Account'],
        relationshipName: 'Account',
        label: 'Account ID',
      },
      { name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', label: 'Owner ID' },
    ],
  };
}

export function caseObject(): ObjectSpec {
  return {
    name: 'Case',
    keyPrefix: '500',
    endpoints: { data: true, tooling: false },
    dataObject: true,
    fields: [
      { name: 'Subject', type: 'string', length: 255 },
      { name: 'Status', type: 'picklist' },
      { name: 'Description', type: 'textarea' },
      {
        name: 'AccountId',
        type: 'reference',
        referenceTo: ['Account'],
        relationshipName: 'Account',
        label: 'Account ID',
      },
      {
        name: 'ContactId',
        type: 'reference',
        referenceTo: ['Contact'],
        relationshipName: 'Contact',
        label: 'Contact ID',
      },
      { name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', label: 'Owner ID' },
    ],
  };
}

// Row-based schema metadata (Tooling API: EntityDefinition, EntityParticle; grant reads them to check objects and fields). Rows are derived
// from this schema on every read (entity-rows.ts); Id is the constant 000000000000000AAA as in real orgs,
// DurableId is the API name for standard objects and a 01I id for custom ones.
function catalogObject(): Omit<ObjectSpec, 'name' | 'keyPrefix' | 'fields'> {
  return {
    createable: false,
    updateable: false,
    deletable: false,
    endpoints: { data: true, tooling: true },
    audit: false,
    virtual: true,
    urlKey: 'DurableId',
  };
}

export function entityDefinition(): ObjectSpec {
  return {
    name: 'EntityDefinition',
    label: 'Entity Definition',
    keyPrefix: '4ie',
    ...catalogObject(),
    fields: [
      { name: 'DurableId', type: 'string', ...ro, label: 'Durable ID' },
      { name: 'QualifiedApiName', type: 'string', ...ro, label: 'Qualified API Name' },
      { name: 'DeveloperName', type: 'string', ...ro },
      { name: 'NamespacePrefix', type: 'string', ...ro },
      { name: 'Label', type: 'string', ...ro },
      { name: 'PluralLabel', type: 'string', ...ro },
      { name: 'KeyPrefix', type: 'string', ...ro },
      { name: 'IsCustomizable', type: 'boolean', ...ro },
      { name: 'IsCustomSetting', type: 'boolean', ...ro },
      { name: 'IsQueryable', type: 'boolean', ...ro },
    ],
  };
}

export function entityParticle(): ObjectSpec {
  return {
    name: 'EntityParticle',
    label: 'Entity Particle',
    keyPrefix: '0Ep',
    ...catalogObject(),
    fields: [
      { name: 'DurableId', type: 'string', ...ro, label: 'Durable ID' },
      { name: 'QualifiedApiName', type: 'string', ...ro, label: 'Qualified API Name' },
      { name: 'DeveloperName', type: 'string', ...ro },
      { name: 'NamespacePrefix', type: 'string', ...ro },
      { name: 'Label', type: 'string', ...ro },
      { name: 'DataType', type: 'string', ...ro },
      { name: 'Length', type: 'int', ...ro },
      { name: 'RelationshipName', type: 'string', ...ro },
      { name: 'IsNillable', type: 'boolean', ...ro },
      { name: 'IsCreatable', type: 'boolean', ...ro },
      { name: 'IsUpdatable', type: 'boolean', ...ro },
      { name: 'IsPermissionable', type: 'boolean', ...ro },
      { name: 'IsCalculated', type: 'boolean', ...ro },
      { name: 'IsCompound', type: 'boolean', ...ro },
      {
        name: 'EntityDefinitionId',
        type: 'reference',
        referenceTo: ['EntityDefinition'],
        relationshipName: 'EntityDefinition',
        referenceKey: 'DurableId',
        ...ro,
        label: 'Entity Definition ID',
      },
    ],
  };
}
