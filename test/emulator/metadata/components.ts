// Every metadata component of a type as the Metadata API shows it (readMetadata, listMetadata, retrieve), from
// the rows the apps are stored in (apps.ts).

import type { OrgState, Rec } from '../data/state.js';
import { Component, SubComponent, sub } from './apps.js';
import { connectedAppComponent } from './connected-app.js';
import { Tree, plain } from './xml.js';

/** The one-per-app ECA components, by metadata type: where each is kept on the ExternalClientApplication row. */
const SUB_COMPONENT_KEYS: Record<string, '_global' | '_settings' | '_plugins'> = {
  ExtlClntAppGlobalOauthSettings: '_global',
  ExtlClntAppOauthSettings: '_settings',
  ExtlClntAppConfigurablePolicies: '_plugins',
};

/** Every component of a type, in creation order; consumer key and secret only when the org exposes them (Metadata API reference, ExtlClntAppGlobalOauthSettings). */
export function componentsOf(state: OrgState, type: string): Component[] {
  switch (type) {
    case 'ConnectedApp':
      return state.records('ConnectedApplication').map((r) => ({
        type,
        fullName: r._fullName as string,
        id: r.Id,
        tree: connectedAppComponent(state, r),
        ...dates(r),
      }));
    case 'ExternalClientApplication':
      return state.records('ExternalClientApplication').map((r) => ({
        type,
        fullName: r.DeveloperName as string,
        id: r.Id,
        tree: plain(r._metadata as Tree),
        ...dates(r),
      }));
    case 'ExtlClntAppOauthConfigurablePolicies':
      return state.records('ExtlClntAppOauthPlcyCnfg').map((r) => ({
        type,
        fullName: r.DeveloperName as string,
        id: r.Id,
        tree: plain(r._metadata as Tree),
        ...dates(r),
      }));
    case 'ExtlClntAppGlobalOauthSettings':
    case 'ExtlClntAppOauthSettings':
    case 'ExtlClntAppConfigurablePolicies':
      return subComponentsOf(state, type);
    default:
      return [];
  }
}

function dates(r: Rec): { createdDate: string; lastModifiedDate: string } {
  return { createdDate: r.CreatedDate as string, lastModifiedDate: r.LastModifiedDate as string };
}

function subComponentsOf(state: OrgState, type: string): Component[] {
  const key = SUB_COMPONENT_KEYS[type];
  const out: Component[] = [];
  for (const r of state.records('ExternalClientApplication')) {
    const c: SubComponent | undefined = sub(r, key);
    if (!c) continue;
    const tree = plain(c.tree);
    if (key === '_global') {
      if (state.behaviour.ecaConsumerSecretsInMetadata) tree.consumerSecret = r._consumerSecret as string;
      else delete tree.consumerKey;
    }
    out.push({
      type,
      fullName: c.fullName,
      id: c.id,
      tree,
      createdDate: c.createdDate,
      lastModifiedDate: c.lastModifiedDate,
    });
  }
  return out;
}
