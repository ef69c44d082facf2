// The sObjects the emulator knows: fields, types, relationships and which operations each allows
// (facts §3.1). Lookups are case-insensitive; results use the casing defined here.

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'reference';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  /** target sObject names for references; more than one = polymorphic */
  referenceTo?: string[];
  relationshipName?: string;
  /** the target field a reference holds when it isn't the Id (EntityParticle.EntityDefinitionId holds a DurableId) */
  referenceKey?: string;
  /**
   * Other objects whose Ids the field takes, though its relationship resolves only to referenceTo (null for
   * these): PermissionSetGroupComponent.PermissionSetId holds a MutingPermissionSet's Id (groups.ts).
   */
  alsoHolds?: string[];
  createable: boolean;
  updateable: boolean;
  /** required on insert (REQUIRED_FIELD_MISSING when absent) */
  required?: boolean;
  length?: number;
  /** server-side value, computed on every read (never stored) */
  computed?: boolean;
  /** filterable in WHERE; default true */
  filterable?: boolean;
  custom?: boolean;
  /** restricted picklist values (undefined = any) */
  picklistValues?: () => string[];
}

export interface ChildRelationship {
  relationshipName: string;
  childObject: string;
  field: string;
}

export interface ObjectDef {
  name: string;
  label: string;
  keyPrefix: string;
  fields: Map<string, FieldDef>;
  fieldOrder: string[];
  relationships: Map<string, FieldDef>;
  childRelationships: Map<string, ChildRelationship>;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  /** which query endpoints serve it */
  endpoints: { data: boolean; tooling: boolean };
  custom: boolean;
  /** objects the seed's `records` section may fill */
  dataObject: boolean;
  /** rows derived from the schema on every read (EntityDefinition, EntityParticle); never stored */
  virtual?: boolean;
  /** the object has no EntityParticle rows (seed objects.<name>.entityParticles: false) */
  noEntityParticles?: boolean;
  /** the field record URLs end with when it isn't the Id (DurableId for the entity metadata objects) */
  urlKey?: string;
}

export interface FieldSpec extends Partial<FieldDef> {
  name: string;
  type: FieldType;
}

const AUDIT_FIELDS: FieldSpec[] = [
  { name: 'CreatedDate', type: 'datetime', label: 'Created Date', createable: false, updateable: false },
  {
    name: 'CreatedById',
    type: 'reference',
    label: 'Created By ID',
    referenceTo: ['User'],
    relationshipName: 'CreatedBy',
    createable: false,
    updateable: false,
  },
  { name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date', createable: false, updateable: false },
  {
    name: 'LastModifiedById',
    type: 'reference',
    label: 'Last Modified By ID',
    referenceTo: ['User'],
    relationshipName: 'LastModifiedBy',
    createable: false,
    updateable: false,
  },
  { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp', createable: false, updateable: false },
];

/** 'FirstName' -> 'First Name', 'ProfileId' -> 'Profile ID' */
export function labelFor(name: string): string {
  const base = name.replace(/__c$/, '').replace(/Id$/, 'ID');
  return base.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
}

export class Schema {
  private readonly objects = new Map<string, ObjectDef>();
  private readonly byPrefix = new Map<string, ObjectDef>();
  private customPrefixCounter = 0;
  /** `object.field` (lower case) this org doesn't have */
  private readonly absent = new Set<string>();
  /** bumped on every object or field added, so derived rows (EntityParticle) know when to rebuild */
  public version = 0;

  public define(spec: {
    name: string;
    label?: string;
    keyPrefix: string;
    fields: FieldSpec[];
    createable?: boolean;
    updateable?: boolean;
    deletable?: boolean;
    endpoints?: { data: boolean; tooling: boolean };
    audit?: boolean;
    dataObject?: boolean;
    virtual?: boolean;
    urlKey?: string;
  }): ObjectDef {
    const def: ObjectDef = {
      name: spec.name,
      label: spec.label ?? labelFor(spec.name),
      keyPrefix: spec.keyPrefix,
      fields: new Map(),
      fieldOrder: [],
      relationships: new Map(),
      childRelationships: new Map(),
      createable: spec.createable ?? true,
      updateable: spec.updateable ?? true,
      deletable: spec.deletable ?? true,
      endpoints: spec.endpoints ?? { data: true, tooling: true },
      custom: spec.name.endsWith('__c'),
      dataObject: spec.dataObject ?? false,
      virtual: spec.virtual,
      urlKey: spec.urlKey,
    };
    this.version++;
    this.objects.set(def.name.toLowerCase(), def);
    this.byPrefix.set(def.keyPrefix, def);
    this.addField(def, { name: 'Id', type: 'id', label: `${def.label} ID`, createable: false, updateable: false });
    for (const f of spec.fields) this.addField(def, f);
    if (spec.audit !== false) for (const f of AUDIT_FIELDS) this.addField(def, f);
    return def;
  }

  public addField(def: ObjectDef, spec: FieldSpec): FieldDef {
    const existing = def.fields.get(spec.name.toLowerCase());
    if (existing) return existing;
    if (this.absent.has(`${def.name}.${spec.name}`.toLowerCase()))
      throw new Error(`${def.name}.${spec.name} is not a column of this org (behaviour.absentFields)`);
    const field: FieldDef = {
      label: labelFor(spec.name),
      createable: true,
      updateable: true,
      custom: spec.name.endsWith('__c'),
      // An explicit undefined (an optional seed value) keeps the default.
      ...(Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as FieldSpec),
    };
    def.fields.set(field.name.toLowerCase(), field);
    def.fieldOrder.push(field.name);
    this.version++;
    if (field.type === 'reference' && field.relationshipName) {
      def.relationships.set(field.relationshipName.toLowerCase(), field);
    }
    return field;
  }

  /** Takes a field out of the org for good (behaviour.absentFields): describe and SOQL no longer know it. */
  public removeField(def: ObjectDef, name: string): void {
    const field = def.fields.get(name.toLowerCase());
    this.absent.add(`${def.name}.${name}`.toLowerCase());
    if (!field) return;
    def.fields.delete(name.toLowerCase());
    def.fieldOrder.splice(def.fieldOrder.indexOf(field.name), 1);
    if (field.relationshipName) def.relationships.delete(field.relationshipName.toLowerCase());
    this.version++;
  }

  public addChildRelationship(parent: string, rel: ChildRelationship): void {
    const def = this.get(parent);
    if (def) def.childRelationships.set(rel.relationshipName.toLowerCase(), rel);
  }

  public get(name: string): ObjectDef | undefined {
    return this.objects.get(name.toLowerCase());
  }

  public require(name: string): ObjectDef {
    const def = this.get(name);
    if (!def) throw new Error(`emulator schema has no sObject ${name}`);
    return def;
  }

  public getByPrefix(prefix: string): ObjectDef | undefined {
    return this.byPrefix.get(prefix);
  }

  public all(): ObjectDef[] {
    return [...this.objects.values()];
  }

  /** A key prefix for an object the seed introduces (custom objects get a0x, like real orgs). */
  public freshPrefix(): string {
    for (;;) {
      const n = this.customPrefixCounter++;
      const prefix = `a${'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[Math.floor(n / 36) % 36]}${'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[n % 36]}`;
      if (!this.byPrefix.has(prefix)) return prefix;
    }
  }
}

const WELL_KNOWN_PREFIXES: Record<string, string> = {
  account: '001',
  contact: '003',
  opportunity: '006',
  lead: '00Q',
  case: '500',
  task: '00T',
  event: '00U',
  campaign: '701',
  contract: '800',
  order: '801',
  product2: '01t',
  pricebook2: '01s',
  asset: '02i',
  solution: '501',
};

export function wellKnownPrefix(name: string): string | undefined {
  return WELL_KNOWN_PREFIXES[name.toLowerCase()];
}

/** LoginHistory.LoginType values (the picklist's documented and commonly seen values; seeds must use one). */
export const LOGIN_TYPES = [
  'Application',
  'Remote Access 2.0',
  'Remote Access Client',
  'SAML Sfdc Initiated SSO',
  'SAML Idp Initiated SSO',
  'SAML Chatter Communities External User SSO',
  'Chatter Communities External User',
  'Other Apex API',
  'Partner Product',
  'Sync',
] as const;

// User permission names given in seeds become Permissions<Name> booleans on PermissionSet and Profile.
export const COMMON_USER_PERMISSIONS = [
  'ApiEnabled',
  'ApiUserOnly',
  'ViewSetup',
  'ModifyAllData',
  'ViewAllData',
  'ManageUsers',
  'AssignPermissionSets',
  'CustomizeApplication',
  'AuthorApex',
  'RunFlow',
  'ChatterInternalUser',
  'UseAnyApiClient',
  'ViewAllUsers',
  'ManageInternalUsers',
  'ManageProfilesPermissionsets',
];

/** Salesforce's labels for COMMON_USER_PERMISSIONS, as error texts and describe name them. */
const USER_PERMISSION_LABELS: Record<string, string> = {
  ApiEnabled: 'API Enabled',
  ApiUserOnly: 'API Only User',
  ViewSetup: 'View Setup and Configuration',
  ModifyAllData: 'Modify All Data',
  ViewAllData: 'View All Data',
  ManageUsers: 'Manage Users',
  AssignPermissionSets: 'Assign Permission Sets',
  CustomizeApplication: 'Customize Application',
  AuthorApex: 'Author Apex',
  RunFlow: 'Run Flows',
  ChatterInternalUser: 'Chatter Internal User',
  UseAnyApiClient: 'Use Any API Client',
  ViewAllUsers: 'View All Users',
  ManageInternalUsers: 'Manage Internal Users',
  ManageProfilesPermissionsets: 'Manage Profiles and Permission Sets',
};

/** 'ModifyAllData' (or 'PermissionsModifyAllData') -> 'Modify All Data'; names outside the table are split into words. */
export function userPermissionLabel(name: string): string {
  const bare = name.replace(/^Permissions/, '');
  const known = Object.keys(USER_PERMISSION_LABELS).find((k) => k.toLowerCase() === bare.toLowerCase());
  return known
    ? USER_PERMISSION_LABELS[known]
    : bare.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
}

/** Every standard object the emulator knows, with the fields the plugin and sf touch. */
export function buildStandardSchema(timeZones: () => string[]): Schema {
  const s = new Schema();
  const ro = { createable: false, updateable: false };
  const createOnly = { createable: true, updateable: false };

  s.define({
    name: 'Organization',
    keyPrefix: '00D',
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      { name: 'Name', type: 'string', ...ro },
      { name: 'InstanceName', type: 'string', ...ro },
      { name: 'IsSandbox', type: 'boolean', ...ro },
      { name: 'TrialExpirationDate', type: 'datetime', ...ro },
      { name: 'NamespacePrefix', type: 'string', ...ro },
      { name: 'OrganizationType', type: 'picklist', ...ro },
      { name: 'TimeZoneSidKey', type: 'picklist', ...ro },
      { name: 'DefaultLocaleSidKey', type: 'picklist', ...ro },
      { name: 'LanguageLocaleKey', type: 'picklist', ...ro },
      { name: 'Country', type: 'string', ...ro },
      { name: 'PrimaryContact', type: 'string', ...ro },
    ],
  });

  s.define({
    name: 'UserLicense',
    label: 'User License',
    keyPrefix: '100',
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      { name: 'Name', type: 'string', ...ro },
      { name: 'MasterLabel', type: 'string', ...ro },
      { name: 'LicenseDefinitionKey', type: 'string', ...ro },
      { name: 'Status', type: 'picklist', ...ro },
      { name: 'TotalLicenses', type: 'int', ...ro },
      { name: 'UsedLicenses', type: 'int', ...ro, computed: true },
      { name: 'UsedLicensesLastUpdated', type: 'datetime', ...ro },
      { name: '_phantom', type: 'int', ...ro },
    ],
  });

  s.define({
    name: 'PermissionSetLicense',
    label: 'Permission Set License',
    keyPrefix: '0PL',
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      { name: 'DeveloperName', type: 'string', ...ro },
      { name: 'MasterLabel', type: 'string', ...ro },
      { name: 'Language', type: 'picklist', ...ro },
      { name: 'PermissionSetLicenseKey', type: 'string', ...ro },
      { name: 'Status', type: 'picklist', ...ro },
      { name: 'ExpirationDate', type: 'date', ...ro },
      { name: 'TotalLicenses', type: 'int', ...ro },
      { name: 'UsedLicenses', type: 'int', ...ro, computed: true },
      { name: 'IsAvailableForIntegrations', type: 'boolean', ...ro },
      { name: 'MaximumPermissionsApiEnabled', type: 'boolean', ...ro },
      { name: 'MaximumPermissionsRunFlow', type: 'boolean', ...ro },
      { name: '_phantom', type: 'int', ...ro },
      { name: '_compatibleUserLicenses', type: 'string', ...ro },
    ],
  });

  s.define({
    name: 'Profile',
    keyPrefix: '00e',
    deletable: false,
    fields: [
      { name: 'Name', type: 'string', required: true, length: 255 },
      { name: 'Description', type: 'string', length: 255 },
      {
        name: 'UserLicenseId',
        type: 'reference',
        referenceTo: ['UserLicense'],
        relationshipName: 'UserLicense',
        required: true,
        ...createOnly,
        label: 'User License ID',
      },
      { name: 'UserType', type: 'picklist', ...ro },
      ...COMMON_USER_PERMISSIONS.map((p): FieldSpec => ({
        name: `Permissions${p}`,
        type: 'boolean',
        label: userPermissionLabel(p),
      })),
      { name: '_custom', type: 'boolean', ...ro },
    ],
  });

  s.define({
    name: 'User',
    keyPrefix: '005',
    deletable: false,
    fields: [
      { name: 'Username', type: 'string', required: true, length: 80 },
      { name: 'LastName', type: 'string', required: true, length: 80, label: 'Last Name' },
      { name: 'FirstName', type: 'string', length: 40, label: 'First Name' },
      { name: 'Name', type: 'string', ...ro, computed: true, label: 'Full Name' },
      { name: 'Email', type: 'email', required: true, length: 128 },
      { name: 'Alias', type: 'string', required: true, length: 8 },
      { name: 'CommunityNickname', type: 'string', length: 40, label: 'Nickname' },
      { name: 'TimeZoneSidKey', type: 'picklist', required: true, label: 'Time Zone', picklistValues: timeZones },
      { name: 'LocaleSidKey', type: 'picklist', required: true, label: 'Locale' },
      { name: 'EmailEncodingKey', type: 'picklist', required: true, label: 'Email Encoding' },
      { name: 'LanguageLocaleKey', type: 'picklist', required: true, label: 'Language' },
      {
        name: 'ProfileId',
        type: 'reference',
        referenceTo: ['Profile'],
        relationshipName: 'Profile',
        required: true,
        label: 'Profile ID',
      },
      { name: 'UserType', type: 'picklist', ...ro, label: 'User Type' },
      { name: 'IsActive', type: 'boolean', label: 'Active' },
      { name: 'FederationIdentifier', type: 'string', length: 512, label: 'SAML Federation ID' },
      { name: 'Title', type: 'string', length: 80 },
      { name: 'Department', type: 'string', length: 80 },
      { name: 'CompanyName', type: 'string', length: 80, label: 'Company Name' },
      { name: 'LastLoginDate', type: 'datetime', ...ro, label: 'Last Login' },
    ],
  });

  s.define({
    name: 'PermissionSetLicenseAssign',
    label: 'Permission Set License Assignment',
    keyPrefix: '2LA',
    updateable: false,
    fields: [
      {
        name: 'AssigneeId',
        type: 'reference',
        referenceTo: ['User'],
        relationshipName: 'Assignee',
        required: true,
        ...createOnly,
        label: 'Assignee ID',
      },
      {
        name: 'PermissionSetLicenseId',
        type: 'reference',
        referenceTo: ['PermissionSetLicense'],
        relationshipName: 'PermissionSetLicense',
        required: true,
        ...createOnly,
        label: 'Permission Set License ID',
      },
    ],
  });

  s.define({
    name: 'PermissionSet',
    label: 'Permission Set',
    keyPrefix: '0PS',
    fields: [
      { name: 'Name', type: 'string', required: true, length: 80 },
      { name: 'Label', type: 'string', required: true, length: 80 },
      { name: 'Description', type: 'textarea', length: 255 },
      {
        name: 'LicenseId',
        type: 'reference',
        referenceTo: ['UserLicense', 'PermissionSetLicense'],
        relationshipName: 'License',
        ...createOnly,
        label: 'License ID',
      },
      {
        name: 'ProfileId',
        type: 'reference',
        referenceTo: ['Profile'],
        relationshipName: 'Profile',
        ...ro,
        label: 'Profile ID',
      },
      { name: 'IsOwnedByProfile', type: 'boolean', ...ro },
      { name: 'IsCustom', type: 'boolean', ...ro },
      {
        name: 'PermissionSetGroupId',
        type: 'reference',
        referenceTo: ['PermissionSetGroup'],
        relationshipName: 'PermissionSetGroup',
        ...ro,
      },
      { name: 'Type', type: 'picklist', ...ro },
      { name: 'NamespacePrefix', type: 'string', ...ro },
      { name: 'HasActivationRequired', type: 'boolean' },
      ...COMMON_USER_PERMISSIONS.map((p): FieldSpec => ({
        name: `Permissions${p}`,
        type: 'boolean',
        label: userPermissionLabel(p),
      })),
    ],
  });

  s.define({
    name: 'PermissionSetGroup',
    label: 'Permission Set Group',
    keyPrefix: '0PG',
    fields: [
      { name: 'DeveloperName', type: 'string', required: true, length: 80 },
      { name: 'MasterLabel', type: 'string', required: true, length: 80 },
      { name: 'Description', type: 'textarea', length: 255 },
      { name: 'Language', type: 'picklist' },
      // Stored, but read through state.groupStatus(): 'Updating' while a recalculation runs.
      { name: 'Status', type: 'picklist', ...ro },
      { name: 'HasActivationRequired', type: 'boolean' },
      { name: 'NamespacePrefix', type: 'string', ...ro },
    ],
  });

  s.define({
    name: 'PermissionSetGroupComponent',
    label: 'Permission Set Group Component',
    keyPrefix: '0PH',
    updateable: false,
    fields: [
      {
        name: 'PermissionSetGroupId',
        type: 'reference',
        referenceTo: ['PermissionSetGroup'],
        relationshipName: 'PermissionSetGroup',
        required: true,
        ...createOnly,
      },
      {
        name: 'PermissionSetId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        alsoHolds: ['MutingPermissionSet'],
        relationshipName: 'PermissionSet',
        required: true,
        ...createOnly,
      },
    ],
  });

  // A group's muting permission set (groups.ts): what it enables is taken out of the group's aggregate set.
  // Key prefix 0QM as Jetstream's permission analysis found (jetstreamapp/jetstream pull request 1998).
  s.define({
    name: 'MutingPermissionSet',
    label: 'Muting Permission Set',
    keyPrefix: '0QM',
    fields: [
      { name: 'DeveloperName', type: 'string', required: true, length: 80 },
      { name: 'MasterLabel', type: 'string', required: true, length: 80 },
      { name: 'Description', type: 'textarea', length: 255 },
      { name: 'Language', type: 'picklist' },
      { name: 'NamespacePrefix', type: 'string', ...ro },
      ...COMMON_USER_PERMISSIONS.map((p): FieldSpec => ({
        name: `Permissions${p}`,
        type: 'boolean',
        label: userPermissionLabel(p),
      })),
    ],
  });

  s.define({
    name: 'PermissionSetAssignment',
    label: 'Permission Set Assignment',
    keyPrefix: '0Pa',
    fields: [
      {
        name: 'AssigneeId',
        type: 'reference',
        referenceTo: ['User'],
        relationshipName: 'Assignee',
        required: true,
        ...createOnly,
        label: 'Assignee ID',
      },
      {
        name: 'PermissionSetId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        relationshipName: 'PermissionSet',
        ...createOnly,
        label: 'Permission Set ID',
      },
      {
        name: 'PermissionSetGroupId',
        type: 'reference',
        referenceTo: ['PermissionSetGroup'],
        relationshipName: 'PermissionSetGroup',
        ...createOnly,
        label: 'Permission Set Group ID',
      },
      { name: 'ExpirationDate', type: 'datetime' },
      { name: 'IsActive', type: 'boolean', ...ro },
      { name: 'IsRevoked', type: 'boolean', ...ro },
    ],
  });

  const objectPerms = [
    'PermissionsRead',
    'PermissionsCreate',
    'PermissionsEdit',
    'PermissionsDelete',
    'PermissionsViewAllRecords',
    'PermissionsModifyAllRecords',
    'PermissionsViewAllFields',
  ];
  s.define({
    name: 'ObjectPermissions',
    label: 'Object Permissions',
    keyPrefix: '110',
    fields: [
      {
        name: 'ParentId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        alsoHolds: ['MutingPermissionSet'],
        relationshipName: 'Parent',
        required: true,
        ...createOnly,
        label: 'Parent ID',
      },
      { name: 'SobjectType', type: 'picklist', required: true, ...createOnly, label: 'Sobject Type Name' },
      ...objectPerms.map((p): FieldSpec => ({ name: p, type: 'boolean' })),
    ],
  });

  s.define({
    name: 'FieldPermissions',
    label: 'Field Permissions',
    keyPrefix: '01k',
    fields: [
      {
        name: 'ParentId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        alsoHolds: ['MutingPermissionSet'],
        relationshipName: 'Parent',
        required: true,
        ...createOnly,
        label: 'Parent ID',
      },
      { name: 'SobjectType', type: 'picklist', required: true, ...createOnly, label: 'Sobject Type Name' },
      { name: 'Field', type: 'picklist', required: true, ...createOnly, label: 'Field Name' },
      { name: 'PermissionsRead', type: 'boolean' },
      { name: 'PermissionsEdit', type: 'boolean' },
    ],
  });

  // Tooling-only: sf's post-login sandbox check; always empty here.
  s.define({
    name: 'SandboxProcess',
    keyPrefix: '0GR',
    createable: false,
    updateable: false,
    deletable: false,
    endpoints: { data: false, tooling: true },
    fields: [
      { name: 'SandboxName', type: 'string', ...ro },
      { name: 'SandboxInfoId', type: 'string', ...ro },
      { name: 'SandboxOrganization', type: 'string', ...ro },
      { name: 'Status', type: 'picklist', ...ro },
      { name: 'LicenseType', type: 'picklist', ...ro },
      { name: 'CopyProgress', type: 'int', ...ro },
      { name: 'SourceId', type: 'string', ...ro },
      { name: 'Description', type: 'string', ...ro },
      { name: 'StartDate', type: 'datetime', ...ro },
      { name: 'EndDate', type: 'datetime', ...ro },
    ],
  });

  s.define({
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
  });

  s.define({
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
  });

  s.define({
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
  });

  s.define({
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
  });

  // Row-based schema metadata (facts: queried by grant to check objects and fields). Rows are derived
  // from this schema on every read (state.ts); Id is the constant 000000000000000AAA as in real orgs,
  // DurableId is the API name for standard objects and a 01I id for custom ones.
  const meta = {
    createable: false,
    updateable: false,
    deletable: false,
    endpoints: { data: true, tooling: true },
    audit: false,
    virtual: true,
    urlKey: 'DurableId',
  };
  s.define({
    name: 'EntityDefinition',
    label: 'Entity Definition',
    keyPrefix: '4ie',
    ...meta,
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
  });
  s.define({
    name: 'EntityParticle',
    label: 'Entity Particle',
    keyPrefix: '0Ep',
    ...meta,
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
  });

  // Apps (facts §3.5, §8.4). Rows come from the seed, the Metadata API and the token endpoint (apps.ts, oauth.ts);
  // ExternalClientApplication's endpoints follow behaviour ecaQueryEndpoints (state.ts).
  const readOnly = { createable: false, updateable: false, deletable: false };
  s.define({
    name: 'ConnectedApplication',
    label: 'Connected App',
    keyPrefix: '0H4',
    ...readOnly,
    fields: [
      // #11 item 2: Name is the app's label ("Connected App Name"; redpanda-data/connect setup.sh finds API name
      // RedpandaConnect by Name='Redpanda Connect'). No DeveloperName and no MasterLabel (field reference): the API name
      // lives only in the Metadata API (ConnectedApp fullName), kept in the hidden _fullName.
      { name: 'Name', type: 'string', ...ro, label: 'Connected App Name' },
      {
        name: 'OptionsAllowAdminApprovedUsersOnly',
        type: 'boolean',
        ...ro,
        label: 'Admin Approved Users Are Pre-Authorized',
      },
    ],
  });
  s.define({
    name: 'ExternalClientApplication',
    label: 'External Client Application',
    keyPrefix: '0xI',
    ...readOnly,
    fields: [
      { name: 'DeveloperName', type: 'string', ...ro },
      { name: 'MasterLabel', type: 'string', ...ro },
      { name: 'DistributionState', type: 'picklist', ...ro },
      { name: 'OrgScopedExternalApp', type: 'string', ...ro },
      { name: 'ContactEmail', type: 'email', ...ro },
      { name: 'Description', type: 'textarea', ...ro },
      { name: 'NamespacePrefix', type: 'string', ...ro },
    ],
  });
  s.define({
    name: 'ExtlClntAppOauthPlcyCnfg',
    label: 'External Client App OAuth Policy Config',
    keyPrefix: '0xP',
    ...readOnly,
    fields: [
      {
        name: 'ExternalClientApplicationId',
        type: 'reference',
        referenceTo: ['ExternalClientApplication'],
        relationshipName: 'ExternalClientApplication',
        ...ro,
        label: 'External Client Application ID',
      },
      { name: 'DeveloperName', type: 'string', ...ro },
      { name: 'MasterLabel', type: 'string', ...ro },
      { name: 'PermittedUsersPolicyType', type: 'picklist', ...ro },
      { name: 'IpRelaxationPolicyType', type: 'picklist', ...ro },
      { name: 'RefreshTokenPolicyType', type: 'picklist', ...ro },
      { name: 'RefreshTokenValidityPeriod', type: 'int', ...ro },
      { name: 'RefreshTokenValidityUnit', type: 'picklist', ...ro },
      { name: 'RequiredSessionLevel', type: 'picklist', ...ro },
      { name: 'SessionTimeoutInMinutes', type: 'int', ...ro },
      { name: 'IsClientCredentialsFlowEnabled', type: 'boolean', ...ro },
      { name: 'IsTokenExchangeFlowEnabled', type: 'boolean', ...ro },
      { name: 'IsGuestCodeCredFlowEnabled', type: 'boolean', ...ro },
      { name: 'ClientCredentialsFlowUser', type: 'string', ...ro },
    ],
  });
  s.define({
    name: 'OauthToken',
    label: 'OAuth Token',
    keyPrefix: '0CQ',
    ...readOnly,
    endpoints: { data: true, tooling: false },
    audit: false,
    fields: [
      { name: 'AppName', type: 'string', ...ro, label: 'Application Name' },
      { name: 'UserId', type: 'reference', referenceTo: ['User'], relationshipName: 'User', ...ro, label: 'User ID' },
      { name: 'LastUsedDate', type: 'datetime', ...ro, label: 'Last Used Date' },
      { name: 'UseCount', type: 'int', ...ro, label: 'Use Count' },
      { name: 'CreatedDate', type: 'datetime', ...ro, label: 'Created Date' },
    ],
  });
  s.define({
    name: 'SetupEntityAccess',
    label: 'Setup Entity Access',
    keyPrefix: '0J0',
    updateable: false,
    fields: [
      {
        name: 'ParentId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        relationshipName: 'Parent',
        required: true,
        ...createOnly,
        label: 'Parent ID',
      },
      {
        name: 'SetupEntityId',
        type: 'reference',
        referenceTo: ['ConnectedApplication', 'ExternalClientApplication'],
        required: true,
        ...createOnly,
        label: 'Setup Entity ID',
      },
      // Derived from SetupEntityId's key prefix; never createable (facts §3.5).
      { name: 'SetupEntityType', type: 'picklist', ...ro, label: 'Setup Entity Type' },
    ],
  });

  // Login history (read-only). UserId has no relationship in real orgs: `User.Name` in a LoginHistory query is
  // refused, so the user's fields need a second query. Only the fields the object reference lists as
  // filterable can be in WHERE (Status, Application, Browser, Platform, SourceIp, ApiType, ApiVersion can't).
  const noFilter = { ...ro, filterable: false };
  s.define({
    name: 'LoginHistory',
    label: 'Login History',
    keyPrefix: '0Ya',
    ...readOnly,
    endpoints: { data: true, tooling: false },
    audit: false,
    fields: [
      { name: 'UserId', type: 'reference', referenceTo: ['User'], ...ro, label: 'User ID' },
      { name: 'LoginTime', type: 'datetime', ...ro, label: 'Login Time' },
      {
        name: 'LoginType',
        type: 'picklist',
        ...ro,
        label: 'Login Type',
        length: 40,
        picklistValues: () => [...LOGIN_TYPES],
      },
      { name: 'SourceIp', type: 'string', ...noFilter, label: 'Source IP', length: 39 },
      { name: 'LoginUrl', type: 'string', ...ro, label: 'Login URL', length: 255 },
      { name: 'Browser', type: 'string', ...noFilter, length: 64 },
      { name: 'Platform', type: 'string', ...noFilter, length: 64 },
      { name: 'Status', type: 'string', ...noFilter, length: 128 },
      { name: 'Application', type: 'string', ...noFilter, length: 64 },
      { name: 'ApiType', type: 'string', ...noFilter, label: 'API Type', length: 64 },
      { name: 'ApiVersion', type: 'string', ...noFilter, label: 'API Version', length: 32 },
    ],
  });

  // Child relationships used by parent-child subqueries.
  s.addChildRelationship('User', {
    relationshipName: 'PermissionSetAssignments',
    childObject: 'PermissionSetAssignment',
    field: 'AssigneeId',
  });
  s.addChildRelationship('User', {
    relationshipName: 'PermissionSetLicenseAssignments',
    childObject: 'PermissionSetLicenseAssign',
    field: 'AssigneeId',
  });
  s.addChildRelationship('PermissionSet', {
    relationshipName: 'Assignments',
    childObject: 'PermissionSetAssignment',
    field: 'PermissionSetId',
  });
  s.addChildRelationship('PermissionSet', {
    relationshipName: 'ObjectPerms',
    childObject: 'ObjectPermissions',
    field: 'ParentId',
  });
  s.addChildRelationship('PermissionSet', {
    relationshipName: 'FieldPerms',
    childObject: 'FieldPermissions',
    field: 'ParentId',
  });
  s.addChildRelationship('PermissionSetGroup', {
    relationshipName: 'PermissionSetGroupComponents',
    childObject: 'PermissionSetGroupComponent',
    field: 'PermissionSetGroupId',
  });
  s.addChildRelationship('PermissionSetGroup', {
    relationshipName: 'Assignments',
    childObject: 'PermissionSetAssignment',
    field: 'PermissionSetGroupId',
  });
  s.addChildRelationship('PermissionSetLicense', {
    relationshipName: 'PermissionSetLicenseAssignments',
    childObject: 'PermissionSetLicenseAssign',
    field: 'PermissionSetLicenseId',
  });
  s.addChildRelationship('Profile', { relationshipName: 'Users', childObject: 'User', field: 'ProfileId' });
  s.addChildRelationship('Account', { relationshipName: 'Contacts', childObject: 'Contact', field: 'AccountId' });
  s.addChildRelationship('Account', {
    relationshipName: 'Opportunities',
    childObject: 'Opportunity',
    field: 'AccountId',
  });
  s.addChildRelationship('Account', { relationshipName: 'Cases', childObject: 'Case', field: 'AccountId' });
  s.addChildRelationship('EntityDefinition', {
    relationshipName: 'Particles',
    childObject: 'EntityParticle',
    field: 'EntityDefinitionId',
  });
  s.addChildRelationship('PermissionSet', {
    relationshipName: 'SetupEntityAccessItems',
    childObject: 'SetupEntityAccess',
    field: 'ParentId',
  });
  s.addChildRelationship('User', { relationshipName: 'OauthTokens', childObject: 'OauthToken', field: 'UserId' });
  return s;
}

/** Hidden fields (leading underscore) carry emulator bookkeeping; no API surface shows them. */
export function isHidden(field: FieldDef): boolean {
  return field.name.startsWith('_');
}

/** Fields every record carries that no permission set can grant or take away. */
const SYSTEM_FIELDS = new Set([
  'Id',
  'OwnerId',
  'CreatedDate',
  'CreatedById',
  'LastModifiedDate',
  'LastModifiedById',
  'SystemModstamp',
]);

/** Salesforce's nillable: required fields, booleans, ids and system fields never are. */
export function isNillable(field: FieldDef): boolean {
  return !field.required && field.type !== 'boolean' && field.type !== 'id' && !SYSTEM_FIELDS.has(field.name);
}

/**
 * Can a FieldPermissions row name this field? Only fields of data objects, and never required fields,
 * Id, system fields (owner, audit) or compound/calculated ones: their access follows the object.
 */
export function isPermissionable(def: ObjectDef, field: FieldDef): boolean {
  return def.dataObject && !field.required && !field.computed && !isHidden(field) && !SYSTEM_FIELDS.has(field.name);
}

/** EntityParticle.DataType: lower-case describe names, except int, which it calls integer. */
export function particleDataType(field: FieldDef): string {
  return field.type === 'int' ? 'integer' : field.type;
}

export function isNumeric(type: FieldType): boolean {
  return type === 'int' || type === 'double' || type === 'currency' || type === 'percent';
}
