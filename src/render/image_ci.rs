//! The GitOps repository's image workflow: on every pull request into `gitops.branch` and every
//! push to it, sign in to the cloud with GitHub's OIDC token (`image.publish`), look for the
//! image in the registry, and build and push it when it is missing. The job's name is the status
//! check branch protection requires, so values that name an image cannot merge before the image
//! exists.
//!
//! A pull request is untrusted until it merges, yet its run holds a token that can push to the
//! registry the values pull from. So the run does nothing a pull request decides: it is a
//! `pull_request_target` run, whose workflow comes from `gitops.branch` (and the cloud trusts
//! only tokens of that workflow file at that branch, see [`setup_commands`]); it installs the
//! pinned platc before it checks the pull request out, into a folder of its own; and it builds
//! what that platc renders from the pull request's spec, under the reference that platc
//! computes ([`ImageRef::reference`], the content hash of exactly that build context). The
//! pull request's own `out/image/` is never built, so no pull request can place other content
//! under a tag that the values of another change will name.
//!
//! GitHub reads workflows only from the repository's `.github/workflows/`: the file is written
//! under the output folder and copied there once (`PREREQUISITES.md`); its first step fails when
//! the copy differs from what platc last wrote.

use indexmap::IndexMap;

use crate::cloud::{self, Registry, federation};
use crate::encode::shell;
use crate::render::image::ImageRef;
use crate::render::workflow::{
    Branches, CHECKOUT, DOCKER_LOGIN, Job, SETUP_PYTHON, Step, Triggers, Workflow, run, uses,
};
use crate::resolve::Model;
use crate::spec::Publish;

/// Output path of the workflow, and where it goes in the repository.
pub const PATH: &str = ".github/workflows/platc-image.yml";

/// The job's name: the required status check.
pub const CHECK: &str = "image exists before values that name it merge";

/// Where the run checks out the pull request (or the pushed commit): its files are data.
pub const SOURCE: &str = "source";

/// The step that renders the build context and computes the reference (`steps.render`).
pub const RENDER_STEP: &str = "Render the image from the spec with the pinned platc";

const GOOGLE_AUTH: &str = "google-github-actions/auth@v3";
const AWS_CREDENTIALS: &str = "aws-actions/configure-aws-credentials@v6";
const AZURE_LOGIN: &str = "azure/login@v3";

/// The workflow, when the spec has `image.publish`. `spec_in_repo` is the spec's path in the
/// GitOps repository.
pub fn render(
    model: &Model,
    image: &ImageRef,
    spec_in_repo: &str,
) -> Option<(String, serde_json::Value)> {
    let publish = model.image.publish.as_ref()?;
    let registry = cloud::registry(&image.repository)?;
    let generated = format!("{SOURCE}/{}/{PATH}", model.gitops.path);
    let mut python = uses(SETUP_PYTHON);
    python.with.insert("python-version", "3.12".into());
    let mut checkout = uses(CHECKOUT).named("Check out the pull request's files, as data");
    checkout.with.insert(
        "ref",
        "${{ github.event.pull_request.head.sha || github.sha }}".into(),
    );
    checkout.with.insert("path", SOURCE.into());
    // Nothing later needs a token for the repository.
    checkout.with.insert("persist-credentials", "false".into());
    let mut steps = vec![
        python,
        // Before the checkout: `python -m pip` in a folder holding the pull request's files
        // would import a `pip` package the pull request ships.
        run(
            "Install platc",
            format!(
                "python -m pip install --disable-pip-version-check \"{}\"\n",
                crate::init::requirement()
            ),
        ),
        {
            let mut fork = run(
                "Refuse pull requests from forks",
                "echo \"::error::a pull request from a fork cannot publish images: push its branch to this repository\"\nexit 1\n",
            );
            fork.condition = Some(
                "github.event_name == 'pull_request_target' && github.event.pull_request.head.repo.full_name != github.repository",
            );
            fork
        },
        checkout,
        // A pull request made with a newer platc release (its tags may differ) is rendered by
        // that release, from PyPI; an older one is refused.
        run(
            "Use the platc release the pull request's output was made with",
            format!(
                "if [ -L {generated} ] || [ ! -f {generated} ]; then\n  echo \"::error::the generated image workflow is not a regular file\"\n  exit 1\nfi\nwanted=\"$(grep -osE 'platc==[0-9]+\\.[0-9]+\\.[0-9]+' -- {generated} | head -n 1 | cut -d= -f3 || true)\"\nif [ -n \"$wanted\" ] && [ \"$wanted\" != {base} ]; then\n  if [ \"$(printf '%s\\n%s\\n' {base} \"$wanted\" | sort -V | head -n 1)\" != {base} ]; then\n    echo \"::error::the output was made by an older platc than this workflow runs: run platc compile with the newer one\"\n    exit 1\n  fi\n  python -m pip install --disable-pip-version-check \"platc==$wanted\"\nfi\n",
                generated = shell::var("GENERATED"),
                base = shell::var("BASE"),
            ),
        )
        .data("GENERATED", &generated)
        .data("BASE", env!("CARGO_PKG_VERSION")),
    ];
    // The spec must be a file of the checkout (a link could make platc read the runner's files
    // into its messages), and the committed output must be exactly what platc renders from it:
    // Argo CD deploys the committed values, so a hand-edited image there would otherwise pass.
    // Messages are fixed text: a file name from the pull request could start a workflow command.
    let mut render = run(
        RENDER_STEP,
        format!(
            "resolved=\"$(realpath -e -- {spec})\"\ncase \"$resolved\" in\n  \"$GITHUB_WORKSPACE\"/{source}/*) ;;\n  *)\n    echo \"::error::the spec is not a file of the repository\"\n    exit 1\n    ;;\nesac\nif [ -L {spec} ] || [ ! -f \"$resolved\" ]; then\n  echo \"::error::the spec is not a regular file\"\n  exit 1\nfi\nplatc -q -f {spec} compile --out \"$RUNNER_TEMP/platc-out\"\nif ! diff -r -q --no-dereference -- \"$RUNNER_TEMP/platc-out\" {committed} >/dev/null 2>&1; then\n  echo \"::error::the committed output is not what platc renders from the spec: run platc compile and commit the result\"\n  exit 1\nfi\nreference=\"$(platc -q -f {spec} image tag --reference)\"\ncase \"$reference\" in\n  {repository}:*) ;;\n  *)\n    echo \"::error::the spec moves the image to another repository: merge that first, then the sign-in and its grant\"\n    exit 1\n    ;;\nesac\necho \"reference=$reference\" >> \"$GITHUB_OUTPUT\"\n",
            spec = shell::var("SPEC"),
            source = SOURCE,
            committed = shell::var("COMMITTED"),
            repository = shell::var("REPOSITORY"),
        ),
    )
    .data("SPEC", &format!("{SOURCE}/{spec_in_repo}"))
    .data("COMMITTED", &format!("{SOURCE}/{}", model.gitops.path))
    .data("REPOSITORY", &image.repository);
    render.id = Some("render");
    steps.push(render);
    // The copy GitHub runs after the merge must be the one platc wrote.
    steps.push(
        run(
            "The installed workflow is the one platc wrote",
            format!(
                "if ! cmp -s -- {generated} {installed}; then\n  echo \"::error file={PATH}::this copy differs from the workflow platc wrote under gitops.path: copy that over it (PREREQUISITES.md)\"\n  exit 1\nfi\n",
                generated = shell::var("GENERATED"),
                installed = shell::var("INSTALLED"),
            ),
        )
        .data("GENERATED", &generated)
        .data("INSTALLED", &format!("{SOURCE}/{PATH}")),
    );
    steps.extend(sign_in(publish, &registry));
    let mut look = run(
        "Look for the image in the registry",
        format!(
            "if docker buildx imagetools inspect {image} >/dev/null 2>&1; then\n  echo \"exists=true\" >> \"$GITHUB_OUTPUT\"\n  echo \"${{IMAGE}} is in the registry: nothing to build\"\nelse\n  echo \"exists=false\" >> \"$GITHUB_OUTPUT\"\nfi\n",
            image = shell::var("IMAGE"),
        ),
    );
    look.env
        .insert("IMAGE", "${{ steps.render.outputs.reference }}".into());
    look.id = Some("look");
    let mut build = run(
        "Build and push the image the values name",
        format!(
            "docker build --tag {image} \"$RUNNER_TEMP/platc-out/image\"\nif ! docker push {image}; then\n  # Another run may have pushed this tag meanwhile: immutable tags refuse a second push.\n  docker buildx imagetools inspect {image} >/dev/null\nfi\n",
            image = shell::var("IMAGE"),
        ),
    );
    build
        .env
        .insert("IMAGE", "${{ steps.render.outputs.reference }}".into());
    build.condition = Some("steps.look.outputs.exists != 'true'");
    steps.push(look);
    steps.push(build);
    let workflow = Workflow {
        name: "Airflow image",
        on: Triggers {
            pull_request: None,
            pull_request_target: Some(Branches::only(&model.gitops.branch)),
            push: Branches::only(&model.gitops.branch),
        },
        permissions: IndexMap::from([("contents", "read"), ("id-token", "write")]),
        jobs: IndexMap::from([(
            "image",
            Job {
                name: CHECK,
                runs_on: "ubuntu-latest",
                steps,
            },
        )]),
    };
    let value = serde_json::to_value(&workflow).ok()?;
    Some((PATH.to_owned(), value))
}

/// The steps that sign in to the cloud with the OIDC token and log Docker in to the registry.
fn sign_in(publish: &Publish, registry: &Registry<'_>) -> Vec<Step> {
    match (publish, registry) {
        (Publish::Gcp(gcp), _) => {
            let mut auth =
                uses(GOOGLE_AUTH).named("Sign in to Google Cloud (Workload Identity Federation)");
            auth.id = Some("auth");
            auth.input(
                "workload_identity_provider",
                &gcp.workload_identity_provider,
            );
            auth.input("service_account", &gcp.service_account);
            auth.with.insert("token_format", "access_token".into());
            // No credentials file in the workspace, where a build could pick it up.
            auth.with.insert("create_credentials_file", "false".into());
            let mut login = uses(DOCKER_LOGIN).named("Log in to the registry");
            login.input("registry", registry.host());
            login.with.insert("username", "oauth2accesstoken".into());
            login
                .with
                .insert("password", "${{ steps.auth.outputs.access_token }}".into());
            vec![auth, login]
        }
        (Publish::Aws(aws), Registry::Ecr { region, host, .. }) => {
            let mut auth = uses(AWS_CREDENTIALS).named("Sign in to AWS (OIDC role)");
            auth.input("role-to-assume", &aws.role_arn);
            auth.input("aws-region", region);
            let login = run(
                "Log in to the registry",
                format!(
                    "aws ecr get-login-password --region {} | docker login --username AWS --password-stdin {}\n",
                    shell::var("REGION"),
                    shell::var("REGISTRY"),
                ),
            )
            .data("REGION", region)
            .data("REGISTRY", host);
            vec![auth, login]
        }
        (Publish::Azure(azure), Registry::Acr { name, .. }) => {
            let mut auth = uses(AZURE_LOGIN).named("Sign in to Azure (federated credential)");
            auth.input("client-id", &azure.client_id);
            auth.input("tenant-id", &azure.tenant_id);
            auth.input("subscription-id", &azure.subscription_id);
            let login = run(
                "Log in to the registry",
                format!("az acr login --name {}\n", shell::var("REGISTRY_NAME")),
            )
            .data("REGISTRY_NAME", name);
            vec![auth, login]
        }
        // Validate refuses a registry of another cloud (`image-publish-registry`).
        (Publish::Aws(_) | Publish::Azure(_), _) => Vec::new(),
    }
}

/// The `PREREQUISITES.md` section on the image: the workflow, the required check and the
/// one-time setup in the cloud's CLI; or, without `image.publish`, how to build it by hand.
pub fn prerequisites(model: &Model, image: &ImageRef) -> String {
    let reference = image.reference();
    let out = &model.gitops.path;
    let Some(publish) = &model.image.publish else {
        return format!(
            "Nothing platc writes builds the image the values name (`image.publish` is not set). Before the \
             first sync, and whenever its tag changes, build `{out}/image/` and push it as `{reference}`:\n\n\
             ```sh\ndocker build --tag {r} {ctx}\ndocker push {r}\n```\n",
            r = shell::quote(&reference),
            ctx = shell::quote(&format!("{out}/image")),
        );
    };
    let repo = crate::naming::github_repo(&model.gitops.repo)
        .map(|(org, name)| format!("{org}/{name}"))
        .unwrap_or_else(|| "OWNER/REPO".to_owned());
    let branch = &model.gitops.branch;
    let setup = cloud::registry(&image.repository)
        .map(|registry| setup_commands(publish, &registry, &repo, branch))
        .unwrap_or_default();
    let workflow = federation::workflow_ref(&repo, PATH, branch);
    format!(
        "`{out}/{PATH}` runs on each pull request into `{branch}` and each push to it. It renders the \
         build context from the spec with the pinned platc (never the pull request's own `{out}/image/`), \
         and pushes it as the reference platc computes, the content hash of that context: today \
         `{reference}`, the image every values file names. It skips the build when the registry already \
         holds that tag. GitHub runs workflows only from `.github/workflows/` at the root of the \
         repository: copy the file there once, and again whenever `platc compile` changes it (its first \
         step fails while the copy differs):\n\n\
         ```sh\nmkdir -p .github/workflows && cp {generated} .github/workflows/\n```\n\n\
         Make its job the required check `{CHECK}`, so values that name an image cannot merge before the \
         image exists: in the repository's settings, a branch protection rule or ruleset for `{branch}` \
         requires that status check (with an existing rule: `gh api --method POST {endpoint} -f {context}`). \
         The job runs on every pull request, not only those that change `{out}/image/`: a required \
         check whose workflow a path filter skips never reports, and blocks the merge. It fails for \
         pull requests from forks.\n\n\
         The run holds a token that can push to the registry, so the pull request decides nothing it \
         does: it is a `pull_request_target` run, whose workflow is `{branch}`'s, and the cloud trusts \
         only tokens whose `job_workflow_ref` is `{workflow}`. A pull request that edits the workflow \
         runs it as a `pull_request` run, if at all, and gets no such token. The check also requires \
         the committed output to be exactly what platc renders from the spec, so values cannot name \
         another image than the one it pushes; a pull request whose output a newer platc release made \
         is rendered by that release (from PyPI), an older one is refused. Merge queues are not \
         supported: a `merge_group` run would run the queued changes' workflow.\n\n\
         GitHub is moving the default subject of new repositories (and of renamed or transferred \
         ones) to a form with the owner's and repository's ids; if the cloud refuses the token, \
         compare the subject GitHub issues (the token's `sub`, visible in the cloud's audit log) with \
         the ones below.\n\n\
         One-time setup, so that the workflow can sign in without a stored key, and, where the registry \
         has them, immutable tags, so that a pushed tag never points at another image:\n\n```sh\n{setup}```\n",
        generated = shell::quote(&format!("{out}/{PATH}")),
        context = shell::quote(&format!("contexts[]={CHECK}")),
        endpoint = shell::quote(&format!(
            "repos/{repo}/branches/{branch}/protection/required_status_checks/contexts"
        )),
    )
}

/// The subjects of the image workflow's runs on pull requests and on pushes to `branch`, under
/// the subject template [`federation::SUBJECT_CLAIMS`], and the command that sets that template
/// for the repository (AWS and Azure match `sub` only).
fn subjects(repo: &str, branch: &str) -> ([String; 2], String) {
    let workflow = federation::workflow_ref(repo, PATH, branch);
    let template = federation::SUBJECT_CLAIMS
        .iter()
        .map(|claim| {
            format!(
                " -f {}",
                shell::quote(&format!("include_claim_keys[]={claim}"))
            )
        })
        .collect::<String>();
    (
        [
            federation::workflow_subject(repo, federation::PULL_REQUEST_CONTEXT, &workflow),
            federation::workflow_subject(repo, &federation::branch_context(branch), &workflow),
        ],
        format!(
            "gh api --method PUT {} -F use_default=false{template}   # the subject names the workflow; other OIDC trusts of this repository must expect it too",
            shell::quote(&format!("repos/{repo}/actions/oidc/customization/sub"))
        ),
    )
}

/// The cloud CLI commands that let the GitOps repository's workflows push the image.
fn setup_commands(publish: &Publish, registry: &Registry<'_>, repo: &str, branch: &str) -> String {
    let q = shell::quote;
    let mut lines: Vec<String> = Vec::new();
    match (publish, registry) {
        (
            Publish::Gcp(gcp),
            Registry::Google {
                location,
                project,
                repository,
                ..
            },
        ) => {
            let Ok(provider) = federation::wif_provider(&gcp.workload_identity_provider) else {
                return String::new();
            };
            let number = provider.project_number;
            lines.push(format!(
                "gcloud iam workload-identity-pools create {} --project {} --location global",
                q(provider.pool),
                q(number)
            ));
            lines.push(format!(
                "gcloud iam workload-identity-pools providers create-oidc {} --project {} --location global --workload-identity-pool {} --issuer-uri {} --attribute-mapping google.subject=assertion.sub,attribute.repository=assertion.repository,attribute.job_workflow_ref=assertion.job_workflow_ref --attribute-condition {}",
                q(provider.provider),
                q(number),
                q(provider.pool),
                federation::GITHUB_ISSUER,
                q(&format!(
                    "assertion.repository=='{repo}' && assertion.job_workflow_ref=='{}'",
                    federation::workflow_ref(repo, PATH, branch)
                )),
            ));
            lines.push(format!(
                "gcloud iam service-accounts add-iam-policy-binding {} --role roles/iam.workloadIdentityUser --member {}",
                q(&gcp.service_account),
                q(&provider.workflow_principal(&federation::workflow_ref(repo, PATH, branch))),
            ));
            lines.push(format!(
                "gcloud artifacts repositories add-iam-policy-binding {} --project {} --location {} --role roles/artifactregistry.writer --member {}",
                q(repository),
                q(project),
                q(location),
                q(&format!("serviceAccount:{}", gcp.service_account)),
            ));
            lines.push(format!(
                "gcloud artifacts repositories update {} --project {} --location {} --immutable-tags",
                q(repository),
                q(project),
                q(location),
            ));
        }
        (
            Publish::Aws(aws),
            Registry::Ecr {
                account: registry_account,
                region,
                repository,
                ..
            },
        ) => {
            let Some((account, role)) = cloud::aws_role(&aws.role_arn) else {
                return String::new();
            };
            let partition = aws.role_arn.split(':').nth(1).unwrap_or("aws").to_owned();
            let (path, name) = match role.rsplit_once('/') {
                Some((path, name)) => (Some(format!("/{path}/")), name),
                None => (None, role),
            };
            let trust = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Federated": format!("arn:{partition}:iam::{account}:oidc-provider/token.actions.githubusercontent.com") },
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": { "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": subjects(repo, branch).0,
                    }},
                }],
            });
            let push = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [
                    { "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*" },
                    {
                        "Effect": "Allow",
                        "Action": [
                            "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                            "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
                            "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
                        ],
                        "Resource": format!("arn:{partition}:ecr:{region}:{registry_account}:repository/{repository}"),
                    },
                ],
            });
            lines.push(subjects(repo, branch).1);
            lines.push(format!(
                "aws iam create-open-id-connect-provider --url {} --client-id-list sts.amazonaws.com   # once per account",
                federation::GITHUB_ISSUER
            ));
            lines.push(format!(
                "aws iam create-role --role-name {}{} --assume-role-policy-document {}",
                q(name),
                path.map(|p| format!(" --path {}", q(&p)))
                    .unwrap_or_default(),
                q(&trust.to_string()),
            ));
            lines.push(format!(
                "aws iam put-role-policy --role-name {} --policy-name platc-image-push --policy-document {}",
                q(name),
                q(&push.to_string()),
            ));
            lines.push(format!(
                "aws ecr put-image-tag-mutability --registry-id {} --region {} --repository-name {} --image-tag-mutability IMMUTABLE",
                q(registry_account),
                q(region),
                q(repository),
            ));
        }
        (Publish::Azure(azure), Registry::Acr { name, .. }) => {
            let ([pull_requests, pushes], template) = subjects(repo, branch);
            lines.push(template);
            for (credential, subject) in [
                ("platc-image-pull-requests", pull_requests),
                ("platc-image-push", pushes),
            ] {
                let parameters = serde_json::json!({
                    "name": credential,
                    "issuer": federation::GITHUB_ISSUER,
                    "subject": subject,
                    "audiences": ["api://AzureADTokenExchange"],
                });
                lines.push(format!(
                    "az ad app federated-credential create --id {} --parameters {}",
                    q(&azure.client_id),
                    q(&parameters.to_string()),
                ));
            }
            lines.push(format!(
                "az role assignment create --assignee {} --role AcrPush --scope \"$(az acr show --name {} --subscription {} --query id --output tsv)\"",
                q(&azure.client_id),
                q(name),
                q(&azure.subscription_id),
            ));
        }
        _ => {}
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}
