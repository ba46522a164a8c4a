// One end-to-end flow through the typed client, as a front end would drive it: a person registered,
// a flood declared, relief received and handed to the person (once, however often the phone retries),
// a photo of the handover attached and read back, then the person's death recorded and the
// worker's finding about that handover read back. Prints a JSON summary on stdout.
//
//   KESSOS_REGISTRY_URL=... KESSOS_PROGRAMS_URL=... KESSOS_DISASTER_URL=... KESSOS_TOKEN=... npx tsx src/flow.ts
//
// The token needs a role that may do all of it (admin, or a provincial officer with `pii:read`).
import { randomInt, randomUUID } from "node:crypto";

import { createKessos, formData, KessosError, must, type Problem } from "./index.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

// The smallest well-formed JPEG: a 1×1 grey pixel (what a phone's camera gives, in miniature).
const PHOTO = Buffer.from(
  "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////" +
    "////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
  "base64",
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const kessos = createKessos({
    registryUrl: required("KESSOS_REGISTRY_URL"),
    programsUrl: required("KESSOS_PROGRAMS_URL"),
    disasterUrl: required("KESSOS_DISASTER_URL"),
    token: required("KESSOS_TOKEN"),
  });
  const { registry, disaster } = kessos;
  const today = new Date().toISOString().slice(0, 10);

  // 1. A person in the registry (Kota Banjarmasin), with a NIK of their birth date.
  const nik = `637101150180${String(randomInt(1, 9999)).padStart(4, "0")}`;
  const { data: person } = await must(
    registry.POST("/api/v1/people", {
      body: { nik, full_name: "Ahmad Fauzi", birth_date: "1980-01-15", sex: "M", region_code: "63.71.01.1001" },
    }),
  );

  // 2. A flood declared, 3. a warehouse there and relief received into it.
  const { data: flood } = await must(
    disaster.POST("/api/v1/disasters", {
      body: { name: "Banjir Banjarmasin", kind: "banjir", level: "regency", started_on: today, region_codes: ["63.71"] },
    }),
  );
  const { data: warehouse } = await must(
    disaster.POST("/api/v1/warehouses", {
      body: { name: `Gudang ${randomUUID().slice(0, 6)}`, kind: "gudang", region_code: "63.71.01" },
    }),
  );
  await must(
    disaster.POST("/api/v1/warehouses/{warehouse_id}/receipts", {
      params: { path: { warehouse_id: warehouse.id } },
      body: { item_code: "beras", quantity: 50 },
    }),
  );

  // 4. Rice handed to the person. The key is made once for this handover and kept with it: the retry
  //    after a (pretended) timeout gets the first answer and records nothing new.
  const idempotencyKey = randomUUID();
  const handover = {
    params: { header: { "Idempotency-Key": idempotencyKey } },
    body: {
      disaster_id: flood.id,
      warehouse_id: warehouse.id,
      person_id: person.id,
      items: [{ item_code: "beras", quantity: 10 }],
    },
  };
  const { data: distribution } = await must(disaster.POST("/api/v1/distributions", handover));
  const { data: retried } = await must(disaster.POST("/api/v1/distributions", handover));
  const { data: stock } = await must(
    disaster.GET("/api/v1/warehouses/{warehouse_id}/stock", { params: { path: { warehouse_id: warehouse.id } } }),
  );

  // 5. The handover's photo, as multipart. A file that is no image is refused, naming `file`.
  const upload = (file: Blob, name: string) =>
    disaster.POST("/api/v1/attachments", {
      body: { file, record_type: "distribution", record_id: distribution.id, kind: "photo" },
      bodySerializer: (body) => formData({ ...body }, name),
    });
  const { data: photo } = await must(upload(new Blob([PHOTO], { type: "image/jpeg" }), "serah-terima.jpg"));
  const refused = await upload(new Blob(["not a photo"], { type: "image/jpeg" }), "palsu.jpg");
  const refusal = refused.error as Problem | undefined;

  // 6. Read back: the list of the record's files, the photo's bytes, the distribution itself.
  const { data: attached } = await must(
    disaster.GET("/api/v1/attachments", {
      params: { query: { record_type: "distribution", record_id: distribution.id } },
    }),
  );
  const download = await disaster.GET("/api/v1/attachments/{attachment_id}/content", {
    params: { path: { attachment_id: photo.id } },
    parseAs: "arrayBuffer",
  });
  if (download.error !== undefined || download.data === undefined) {
    throw new KessosError(download.response.status, download.error as Problem);
  }
  const { data: readBack } = await must(
    disaster.GET("/api/v1/distributions/{distribution_id}", {
      params: { path: { distribution_id: distribution.id } },
    }),
  );

  // 7. The person dies; the registry is told (with the ETag of what we read: If-Match), and the
  //    worker finds that the rice went to someone now recorded as dead.
  const { response: current } = await must(
    registry.GET("/api/v1/people/{person_id}", { params: { path: { person_id: person.id } } }),
  );
  await must(
    registry.PATCH("/api/v1/people/{person_id}", {
      params: { path: { person_id: person.id }, header: { "If-Match": current.headers.get("etag") ?? "" } },
      body: { status: "deceased", died_on: today },
    }),
  );
  const deadline = Date.now() + 20_000;
  let findings: { rule: string; status: string }[] = [];
  while (Date.now() < deadline) {
    const { data } = await must(
      disaster.GET("/api/v1/findings", { params: { query: { subject_id: distribution.id } } }),
    );
    findings = data.items.map((f) => ({ rule: f.rule, status: f.status }));
    if (findings.length) break;
    await sleep(250);
  }

  console.log(
    JSON.stringify({
      person_id: person.id,
      disaster_id: flood.id,
      distribution: {
        id: distribution.id,
        retry_same_id: retried.id === distribution.id,
        person_id: readBack.person_id,
        items: readBack.items.map((i) => ({ item_code: i.item_code, quantity: Number(i.quantity) })),
      },
      stock_left: Object.fromEntries(stock.items.map((line) => [line.item_code, Number(line.quantity)])),
      photo: {
        id: photo.id,
        media_type: photo.media_type,
        size_bytes: photo.size_bytes,
        listed: attached.items.map((a) => a.id),
        content_type: download.response.headers.get("content-type"),
        content_disposition: download.response.headers.get("content-disposition"),
        same_bytes: Buffer.from(download.data).equals(PHOTO),
      },
      refused_upload: { status: refused.response.status, fields: refusal?.errors?.map((e) => e.field) ?? [] },
      findings,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof KessosError ? `${error.message} ${JSON.stringify(error.problem)}` : error);
  process.exit(1);
});
