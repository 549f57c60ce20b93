//! `swagger_authorize BASE_URL JWT ADMIN_KEY`: Swagger UI at BASE_URL/docs in headless Chromium,
//! driven over the DevTools protocol as a person would: Authorize with the JWT (`BearerToken`)
//! and the admin key (`AdminKey`), then "Try it out" → "Execute" on `GET /api/auth/verify` and
//! `GET /api/admin/allowlist`; both must show 200. Exits non-zero otherwise.

use std::time::Duration;

use dixie_e2e::browser::Browser;
use serde_json::json;

fn fail(why: &str) -> ! {
    eprintln!("swagger_authorize: FAILED: {why}");
    std::process::exit(1)
}

/// The page script: clicks through Authorize and two operations; answers their statuses.
const SCRIPT: &str = r#"
(async (jwt, adminKey) => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const until = async (find, what) => {
    for (let i = 0; i < 150; i++) { const v = find(); if (v) return v; await sleep(100); }
    throw new Error('timed out waiting for ' + what);
  };
  const type = (input, text) => {
    input.focus();
    document.execCommand('insertText', false, text);
  };
  (await until(() => document.querySelector('.btn.authorize'), 'the Authorize button')).click();
  for (const [scheme, value] of [['BearerToken', jwt], ['AdminKey', adminKey]]) {
    const box = await until(() => [...document.querySelectorAll('.auth-container')]
      .find(c => c.textContent.includes(scheme)), scheme + ' in the dialog');
    type(await until(() => box.querySelector('input'), scheme + ' input'), value);
    (await until(() => box.querySelector('button.authorize'), scheme + ' Authorize')).click();
    await until(() => [...document.querySelectorAll('.auth-container')]
      .find(c => c.textContent.includes(scheme) && [...c.querySelectorAll('button')]
        .some(b => b.textContent.trim() === 'Logout')), scheme + ' authorized');
  }
  (await until(() => document.querySelector('button.btn-done, .modal-ux button.close-modal'), 'Close')).click();
  const statuses = {};
  for (const id of ['operations-Auth-verifyToken', 'operations-Admin-getAllowlist']) {
    const op = () => document.getElementById(id);
    await until(() => {
      const control = op() && op().querySelector('.opblock-summary-control');
      if (control && control.getAttribute('aria-expanded') !== 'true') control.click();
      return op() && op().querySelector('.try-out__btn');
    }, id + ' opened');
    op().querySelector('.try-out__btn').click();
    (await until(() => op().querySelector('button.execute'), id + ' Execute')).click();
    const cell = await until(() => op().querySelector('.live-responses-table tr.response .response-col_status'), id + ' response');
    statuses[id] = cell.textContent.trim();
  }
  return statuses;
})
"#;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, jwt, admin_key] = args.as_slice() else {
        fail("usage: swagger_authorize BASE_URL JWT ADMIN_KEY");
    };
    let mut browser = Browser::launch("swagger")
        .await
        .unwrap_or_else(|why| fail(&why));
    let outcome = drive(&mut browser, base, jwt, admin_key).await;
    browser.close().await;
    match outcome {
        Ok(()) => eprintln!(
            "swagger_authorize: authorized with the JWT and the admin key; both operations answered 200"
        ),
        Err(why) => fail(&why),
    }
}

/// Opens /docs and runs the page script.
async fn drive(
    browser: &mut Browser,
    base: &str,
    jwt: &str,
    admin_key: &str,
) -> Result<(), String> {
    browser.navigate(&format!("{base}/docs")).await?;
    let expression = format!("{SCRIPT}({}, {})", json!(jwt), json!(admin_key));
    let statuses = browser.eval(&expression, Duration::from_secs(60)).await?;
    eprintln!("swagger_authorize: statuses shown after Execute: {statuses}");
    for id in [
        "operations-Auth-verifyToken",
        "operations-Admin-getAllowlist",
    ] {
        if statuses[id] != "200" {
            return Err(format!("{id} showed {}", statuses[id]));
        }
    }
    Ok(())
}
