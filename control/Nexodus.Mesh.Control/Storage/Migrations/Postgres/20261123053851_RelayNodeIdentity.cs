using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Nexodus.Mesh.Control.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RelayNodeIdentity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CertificateSha256",
                table: "RelayNodes",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PublicKey",
                table: "RelayNodes",
                type: "character varying(44)",
                maxLength: 44,
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CertificateSha256",
                table: "RelayNodes");

            migrationBuilder.DropColumn(
                name: "PublicKey",
                table: "RelayNodes");
        }
    }
}
