// What each node may be configured with, from GET /api/catalog (built from the Swift
// definitions), and the caller's datasets with their columns.
import { get, sameID } from "./api.js";

let catalog = null;

export async function loadCatalog() {
  if (!catalog) catalog = get("/api/catalog").catch((error) => {
    catalog = null;
    throw error;
  });
  return catalog;
}

const profiles = new Map();

/** The columns of a dataset (by id), from its profile; [] until it is ingested. */
export async function datasetColumns(reference) {
  const id = String(reference).toLowerCase();
  if (!profiles.has(id)) {
    profiles.set(id, get(`/api/datasets/${id}`).then((record) => {
      if (record.status !== "ready") profiles.delete(id);
      return record.profile ? record.profile : null;
    }).catch(() => {
      profiles.delete(id);
      return null;
    }));
  }
  return profiles.get(id);
}

/** A dataset node's reference: a sample by name, an upload by id. */
export function datasetReference(record) {
  return record.sample ? record.name : record.id;
}

export function findDataset(datasets, reference) {
  return datasets.find((record) => sameID(record.id, reference) || (record.sample && record.name === reference)) || null;
}
