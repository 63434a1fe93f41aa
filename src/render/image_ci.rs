//! The GitOps repository's image workflow: on every pull request into `gitops.branch` and every
//! push to it, sign in to the cloud with GitHub's OIDC token (`image.publish`), look for
//! `repository:tag` in the registry, and build `out/image/` and push it under exactly that
//! reference when it is missing. The job's name is the status check branch protection requires,
//! so values that name an image cannot merge before the image exists.
//!
//! The reference comes from [`ImageRef::reference`], the one the values and `platc image tag
//! --reference` use. GitHub reads workflows only from the repository's `.github/workflows/`:
//! the file is written under the output folder and copied there once (`PREREQUISITES.md`); its
//! first step fails when the copy differs from what platc last wrote.

use indexmap::IndexMap;

use crate::cloud::{self, Registry, federation};
use crate::encode::shell;
use crate::render::image::ImageRef;
use crate::render::workflow::{
    Branches, CHECKOUT, DOCKER_LOGIN, Job, Step, Triggers, Workflow, run, uses,
};
use crate::resolve::Model;
use crate::spec::Publish;

/// Output path of the workflow, and where it goes in the repository.
pub const PATH: &str = ".github/workflows/platc-image.yml";

/// The job's name: the required status check.
pub const CHECK: &str = "image exists before values that name it merge";

const GOOGLE_AUTH: &str = "google-github-actions/auth@v3";
const AWS_CREDENTIALS: &str = "aws-actions/configure-aws-credentials@v6";
const AZURE_LOGIN: &str = "azure/login@v3";

/// The workflow, when the spec has `image.publish`.
pub fn render(model: &Model, image: &ImageRef) -> Option<(String, serde_json::Value)> {
    let publish = model.image.publish.as_ref()?;
    let registry = cloud::registry(&image.repository)?;
    let generated = format!("{}/{PATH}", model.gitops.path);
    let reference = image.reference();
    let mut checkout = uses(CHECKOUT);
    // Later steps build code from the pull request; they need no token to push to the repository.
    checkout.with.insert("persist-credentials", "false".into());
    // The message names only platc's constant path: a line of spec text in the log could be
    // read by the runner as a workflow command.
    let mut steps = vec![
        checkout,
        run(
            "The workflow is the one platc wrote",
            format!(
                "if ! cmp -s -- {generated} {installed}; then\n  echo \"::error file={PATH}::this copy differs from the workflow platc wrote under gitops.path: copy that over it (PREREQUISITES.md)\"\n  exit 1\nfi\n",
                generated = shell::var("GENERATED"),
                installed = shell::var("INSTALLED"),
            ),
        )
        .data("GENERATED", &generated)
        .data("INSTALLED", PATH),
    ];
    steps.extend(sign_in(publish, &registry));
    let mut look = run(
        "Look for the image in the registry",
        format!(
            "if docker buildx imagetools inspect {image} >/dev/null 2>&1; then\n  echo \"exists=true\" >> \"$GITHUB_OUTPUT\"\n  echo \"${{IMAGE}} is in the registry: nothing to build\"\nelse\n  echo \"exists=false\" >> \"$GITHUB_OUTPUT\"\nfi\n",
            image = shell::var("IMAGE"),
        ),
    )
    .data("IMAGE", &reference);
    look.id = Some("look");
    let mut build = run(
        "Build and push the image the values name",
        format!(
            "docker build --tag {image} {context}\nif ! docker push {image}; then\n  # Another run may have pushed this tag meanwhile: immutable tags refuse a second push.\n  docker buildx imagetools inspect {image} >/dev/null\nfi\n",
            image = shell::var("IMAGE"),
            context = shell::var("CONTEXT"),
        ),
    )
    .data("IMAGE", &reference)
    .data("CONTEXT", &format!("./{}/image", model.gitops.path));
    build.condition = Some("steps.look.outputs.exists != 'true'");
    steps.push(look);
    steps.push(build);
    let workflow = Workflow {
        name: "Airflow image",
        on: Triggers {
            pull_request: Branches::only(&model.gitops.branch),
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
    format!(
        "`{out}/{PATH}` builds `{out}/image/` and pushes it as `{reference}`, the image every values file \
         names, on each pull request into `{branch}` and each push to it; it skips the build when the \
         registry already holds that tag. GitHub runs workflows only from `.github/workflows/` at the \
         root of the repository: copy the file there once, and again whenever `platc compile` changes it \
         (its first step fails while the copy differs):\n\n\
         ```sh\nmkdir -p .github/workflows && cp {generated} .github/workflows/\n```\n\n\
         Make its job the required check `{CHECK}`, so values that name an image cannot merge before the \
         image exists: in the repository's settings, a branch protection rule or ruleset for `{branch}` \
         requires that status check (with an existing rule: `gh api --method POST {endpoint} -f {context}`). \
         The job runs on every pull request, not only those that change `{out}/image/`: a required \
         check whose workflow a path filter skips never reports, and blocks the merge. Pull requests from \
         forks get no OIDC token, so the check fails for them.\n\n\
         One-time setup, so that the workflow can sign in without a stored key (GitHub's default token \
         subjects `{pr}` and `{push}`), and, where the registry has them, immutable tags, so that a \
         pushed tag never points at another image:\n\n```sh\n{setup}```\n",
        generated = shell::quote(&format!("{out}/{PATH}")),
        context = shell::quote(&format!("contexts[]={CHECK}")),
        endpoint = shell::quote(&format!(
            "repos/{repo}/branches/{branch}/protection/required_status_checks/contexts"
        )),
        pr = federation::pull_request_subject(&repo),
        push = federation::branch_subject(&repo, branch),
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
                "gcloud iam workload-identity-pools providers create-oidc {} --project {} --location global --workload-identity-pool {} --issuer-uri {} --attribute-mapping google.subject=assertion.sub,attribute.repository=assertion.repository --attribute-condition {}",
                q(provider.provider),
                q(number),
                q(provider.pool),
                federation::GITHUB_ISSUER,
                q(&format!("assertion.repository=='{repo}'")),
            ));
            lines.push(format!(
                "gcloud iam service-accounts add-iam-policy-binding {} --role roles/iam.workloadIdentityUser --member {}",
                q(&gcp.service_account),
                q(&provider.repository_principal(repo)),
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
                        "token.actions.githubusercontent.com:sub": [
                            federation::pull_request_subject(repo),
                            federation::branch_subject(repo, branch),
                        ],
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
            for (credential, subject) in [
                (
                    "platc-image-pull-requests",
                    federation::pull_request_subject(repo),
                ),
                ("platc-image-push", federation::branch_subject(repo, branch)),
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
