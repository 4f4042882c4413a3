/** What a direct link to a page the user's role does not allow shows (the API would refuse it anyway). */
export function NotAllowedPage({ roles }: { roles: readonly string[] }) {
  return (
    <section class="not-allowed">
      <h1>Not allowed</h1>
      <p>
        Your role ({roles.join(', ') || 'none'}) does not allow this page. Ask a tenant administrator if you need access. <code class="code">forbidden</code>
      </p>
      <p>
        <a href="#/">Back to the start page</a>
      </p>
    </section>
  );
}
